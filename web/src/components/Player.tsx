// The player chunk: hls.js's light build (no alternate audio, subtitles or DRM) for videos without
// subtitles, its full build only when the job has subtitle renditions — each loaded on demand, so
// most plays never fetch the bigger one — or native HLS where the browser has it (Safari). A quality
// switch lists the renditions hls.js found; a subtitle menu lists the job's tracks.
import type HlsType from 'hls.js';
import { useEffect, useId, useRef, useState } from 'react';
import type { SubtitleInfo } from '@server/jobs/job.types';
import { useI18n } from '../i18n';

interface Level {
  index: number;
  height: number;
}

const loadHls = (full: boolean): Promise<typeof HlsType> =>
  (full ? import('hls.js') : import('hls.js/light')).then((m) => m.default as typeof HlsType);

/**
 * `growing`: a preview playlist that ffmpeg is still writing (hls.js reads it as live): played from
 * its start. When `src` changes (the preview becomes the final playlist) playback goes on where it was.
 */
export function Player({ src, poster, subtitles, growing = false }: { src: string; poster: string | null; subtitles: SubtitleInfo[]; growing?: boolean }) {
  const { t } = useI18n();
  const video = useRef<HTMLVideoElement>(null);
  const hlsRef = useRef<HlsType | null>(null);
  const [levels, setLevels] = useState<Level[]>([]);
  const [choice, setChoice] = useState(-1);
  const [tracks, setTracks] = useState<{ index: number; name: string; lang: string }[]>([]);
  const [track, setTrack] = useState(-1);
  const selectId = useId();
  const subsId = useId();
  const full = subtitles.length > 0;
  const resumeAt = useRef(0);

  useEffect(() => {
    const el = video.current;
    if (!el) return;
    let live = true;
    let hls: HlsType | null = null;
    void loadHls(full).then((Hls) => {
      if (!live) return;
      if (Hls.isSupported()) {
        const startPosition = growing ? Math.max(0, resumeAt.current) : resumeAt.current > 0 ? resumeAt.current : -1;
        hls = new Hls({ startPosition, xhrSetup: (xhr) => void (xhr.withCredentials = true) });
        if (full) hls.subtitleDisplay = true; // a chosen track shows its cues on the video
        hlsRef.current = hls;
        hls.on(Hls.Events.MANIFEST_PARSED, (_e, data) => {
          setLevels(data.levels.map((l, index) => ({ index, height: l.height })).sort((a, b) => b.height - a.height));
        });
        hls.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, (_e, data) => {
          setTracks(data.subtitleTracks.map((s, index) => ({ index, name: s.name, lang: s.lang ?? '' })));
          hls!.subtitleTrack = -1; // off until chosen: the menu says so
        });
        hls.loadSource(src);
        hls.attachMedia(el);
      } else if (el.canPlayType('application/vnd.apple.mpegurl')) {
        el.src = src; // Safari chooses the rendition itself and lists the subtitles in its own menu
      }
    });
    return () => {
      live = false;
      hlsRef.current = null;
      resumeAt.current = el.currentTime;
      hls?.destroy();
    };
  }, [src, full, growing]);

  const pick = (index: number) => {
    setChoice(index);
    // currentLevel switches now (flushing the buffer); -1 hands the choice back to hls.js.
    if (hlsRef.current) hlsRef.current.currentLevel = index;
  };
  const pickTrack = (index: number) => {
    setTrack(index);
    if (hlsRef.current) hlsRef.current.subtitleTrack = index;
  };
  // The job's names ("Chinese") where hls.js found the same language; hls.js's own otherwise.
  const nameOf = (tr: { name: string; lang: string }) => subtitles.find((s) => s.lang === tr.lang)?.name ?? tr.name;

  return (
    <div className="player-box">
      <video ref={video} className="player" controls autoPlay muted playsInline poster={poster ?? undefined} data-testid="player" />
      <div className="row">
        {levels.length > 1 && (
          <div className="field inline">
            <label htmlFor={selectId}>{t('player.quality')}</label>
            <select id={selectId} value={choice} onChange={(e) => pick(Number(e.target.value))}>
              <option value={-1}>{t('player.auto')}</option>
              {levels.map((l) => (
                <option key={l.index} value={l.index}>
                  {l.height ? `${l.height}p` : t('player.audio')}
                </option>
              ))}
            </select>
          </div>
        )}
        {tracks.length > 0 && (
          <div className="field inline">
            <label htmlFor={subsId}>{t('player.subtitles')}</label>
            <select id={subsId} value={track} onChange={(e) => pickTrack(Number(e.target.value))}>
              <option value={-1}>{t('player.subtitlesOff')}</option>
              {tracks.map((tr) => (
                <option key={tr.index} value={tr.index}>{nameOf(tr)}</option>
              ))}
            </select>
          </div>
        )}
      </div>
    </div>
  );
}
