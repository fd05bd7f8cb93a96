// The player chunk: hls.js's light build (no alternate audio, subtitles or DRM, none of which our
// HLS uses: muxed H.264/AAC in MPEG-TS, see src/pipeline/ffmpeg/hls-args.ts), or native HLS where
// the browser has it (Safari). A quality switch lists the renditions hls.js found.
import Hls from 'hls.js/light';
import { useEffect, useId, useRef, useState } from 'react';
import { useI18n } from '../i18n';

interface Level {
  index: number;
  height: number;
}

export function Player({ src, poster }: { src: string; poster: string | null }) {
  const { t } = useI18n();
  const video = useRef<HTMLVideoElement>(null);
  const hlsRef = useRef<Hls | null>(null);
  const [levels, setLevels] = useState<Level[]>([]);
  const [choice, setChoice] = useState(-1);
  const selectId = useId();

  useEffect(() => {
    const el = video.current;
    if (!el) return;
    if (Hls.isSupported()) {
      const hls = new Hls({ xhrSetup: (xhr) => void (xhr.withCredentials = true) });
      hlsRef.current = hls;
      hls.on(Hls.Events.MANIFEST_PARSED, (_e, data) => {
        setLevels(data.levels.map((l, index) => ({ index, height: l.height })).sort((a, b) => b.height - a.height));
      });
      hls.loadSource(src);
      hls.attachMedia(el);
      return () => {
        hlsRef.current = null;
        hls.destroy();
      };
    }
    if (el.canPlayType('application/vnd.apple.mpegurl')) el.src = src; // Safari chooses the rendition itself
  }, [src]);

  const pick = (index: number) => {
    setChoice(index);
    // currentLevel switches now (flushing the buffer); -1 hands the choice back to hls.js.
    if (hlsRef.current) hlsRef.current.currentLevel = index;
  };

  return (
    <div className="player-box">
      <video ref={video} className="player" controls autoPlay muted playsInline poster={poster ?? undefined} data-testid="player" />
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
    </div>
  );
}
