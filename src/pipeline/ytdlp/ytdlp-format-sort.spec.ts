// What real yt-dlp chose with our download argv on DASH sources that offer one height in two codecs
// (fixtures/formats-*, captured as fixtures/README.md "Formats" says).
import { readFileSync } from 'fs';
import { join } from 'path';
import type { JobFormat } from '../../jobs/job.types';
import { ytdlpDownloadArgs, ytdlpProbeArgs } from './ytdlp-args';
import { requestedFormatFromLine } from './ytdlp-output';

interface Capture {
  command: string[];
  exitCode: number | null;
  filesAfter: string[];
}
interface ProbedFormat {
  format_id: string;
  vcodec: string;
  acodec: string;
  height: number | null;
}

const fixture = (name: string): string => readFileSync(join(__dirname, 'fixtures', name), 'utf8');
const captures: Record<string, Capture> = JSON.parse(fixture('formats-captures.json'));
const probe = (name: string): { format_id: string; formats: ProbedFormat[] } => JSON.parse(fixture(`${name}.stdout.txt`));

const TWO_CODECS = 'formats-probe-dash-two-codecs';
const VP9_1080 = 'formats-probe-dash-1080-vp9';

/** Each downloaded part of a format id like `2+3`, looked up in the probe of the same source. */
function partsOf(probeName: string, formatId: string): ProbedFormat[] {
  const formats = probe(probeName).formats;
  return formatId.split('+').map((id) => {
    const found = formats.find((f) => f.format_id === id);
    if (!found) throw new Error(`${id} is not a format of ${probeName}`);
    return found;
  });
}

/** What the real download printed in its `[vidpipe-format]` line, as video and audio parts. */
function chosen(name: string, probeName: string): { height: number | null; video: ProbedFormat[]; audio: ProbedFormat[] } {
  const line = fixture(`${name}.stdout.txt`).split('\n')[0];
  const requested = requestedFormatFromLine(line);
  if (!requested) throw new Error(`${name} printed no format line`);
  const parts = partsOf(probeName, requested.formatId);
  return {
    height: requested.height,
    video: parts.filter((p) => p.vcodec !== 'none'),
    audio: parts.filter((p) => p.acodec !== 'none'),
  };
}

describe('the captured sources', () => {
  it('offer 480p H.264, 720p VP9 and 720p H.264, with AAC and Opus audio; yt-dlp alone takes VP9 + Opus', () => {
    const { formats, format_id } = probe(TWO_CODECS);
    const at720 = formats.filter((f) => f.height === 720).map((f) => f.vcodec.slice(0, 4)).sort();
    expect(at720).toEqual(['avc1', 'vp09']);
    expect(formats.filter((f) => f.height === 480).map((f) => f.vcodec.slice(0, 4))).toEqual(['avc1']);
    expect(formats.filter((f) => f.vcodec === 'none').map((f) => f.acodec).sort()).toEqual(['mp4a.40.2', 'opus']);
    // The probe runs without our sort: this is what a download without it would fetch (a re-encode).
    expect(partsOf(TWO_CODECS, format_id).map((f) => (f.vcodec === 'none' ? f.acodec : f.vcodec.slice(0, 4)))).toEqual(['vp09', 'opus']);
  });

  it('offer 1080p only in VP9 and 720p in H.264 in the second source', () => {
    const byHeight = probe(VP9_1080).formats.filter((f) => f.vcodec !== 'none').map((f) => `${f.height} ${f.vcodec.slice(0, 4)}`);
    expect(byHeight.sort()).toEqual(['1080 vp09', '720 avc1']);
  });

  it('were probed and downloaded with exactly the argv our builders make today (recapture if this fails)', () => {
    const url = (probeName: string): string => captures[probeName].command[captures[probeName].command.length - 1];
    for (const probeName of [TWO_CODECS, VP9_1080]) {
      expect(captures[probeName].command.slice(1)).toEqual(ytdlpProbeArgs(url(probeName)));
      expect(captures[probeName].exitCode).toBe(0);
    }
    const downloads = Object.keys(captures).filter((n) => n.startsWith('formats-download-'));
    expect(downloads).toHaveLength(7);
    for (const name of downloads) {
      const format = /-(best|1080p|720p|480p|audio)$/.exec(name)?.[1] as JobFormat;
      const source = name.includes('1080-vp9') ? VP9_1080 : TWO_CODECS;
      const built = ytdlpDownloadArgs({ url: url(source), format, outputDir: `/tmp/vidpipe-fixtures/${name}` });
      expect(captures[name].command.slice(1)).toEqual(built);
      expect(captures[name].exitCode).toBe(0);
      expect(captures[name].filesAfter).toEqual([format === 'audio' ? 'source.m4a' : 'source.mkv']);
    }
  });
});

describe('our download argv on real yt-dlp', () => {
  it.each([
    ['best', 720],
    ['1080p', 720],
    ['720p', 720],
    ['480p', 480],
  ] as Array<[JobFormat, number]>)('%s on the two-codec source fetches %ip H.264 + AAC (a stream copy)', (format, height) => {
    const choice = chosen(`formats-download-dash-two-codecs-${format}`, TWO_CODECS);
    expect(choice.height).toBe(height);
    expect(choice.video.map((f) => [f.height, f.vcodec.slice(0, 4)])).toEqual([[height, 'avc1']]);
    expect(choice.audio.map((f) => f.acodec)).toEqual(['mp4a.40.2']);
  });

  it('audio on the two-codec source fetches the AAC track, not the Opus one of the same bitrate', () => {
    const choice = chosen('formats-download-dash-two-codecs-audio', TWO_CODECS);
    expect(choice.video).toEqual([]);
    expect(choice.audio.map((f) => f.acodec)).toEqual(['mp4a.40.2']);
  });

  it('best still takes the tallest video, 1080p VP9, over a 720p H.264 (height first, codec only at equal height)', () => {
    const choice = chosen('formats-download-dash-1080-vp9-best', VP9_1080);
    expect(choice.height).toBe(1080);
    expect(choice.video.map((f) => f.vcodec.slice(0, 4))).toEqual(['vp09']);
    expect(choice.audio.map((f) => f.acodec)).toEqual(['mp4a.40.2']);
  });

  it('720p on that source takes the 720p H.264 under the cap', () => {
    const choice = chosen('formats-download-dash-1080-vp9-720p', VP9_1080);
    expect(choice.video.map((f) => [f.height, f.vcodec.slice(0, 4)])).toEqual([[720, 'avc1']]);
  });
});
