import { readFileSync } from 'fs';
import { join } from 'path';
import { requestedFormatFromLine } from './ytdlp-output';
import {
  DownloadProgressTracker,
  downloadMessage,
  downloadProgressFromLine,
  type DownloadProgress,
  type DownloadProgressView,
} from './ytdlp-progress';

const stdoutLines = (name: string): string[] =>
  readFileSync(join(__dirname, 'fixtures', `${name}.stdout.txt`), 'utf8').split('\n');
const progressOf = (name: string): DownloadProgress[] =>
  stdoutLines(name)
    .map(downloadProgressFromLine)
    .filter((p): p is DownloadProgress => p !== null);

/** Feeds a whole captured stdout through a tracker the way the runner does, format line included. */
function track(name: string, useFormatLine = true): DownloadProgressView[] {
  const tracker = new DownloadProgressTracker();
  const views: DownloadProgressView[] = [];
  for (const line of stdoutLines(name)) {
    const format = requestedFormatFromLine(line);
    if (format && useFormatLine) tracker.expectFiles(format.fileCount);
    const progress = downloadProgressFromLine(line);
    if (progress) views.push(tracker.update(progress));
  }
  return views;
}

const expectMonotone = (views: DownloadProgressView[]): void => {
  for (let i = 1; i < views.length; i++) expect(views[i].fraction).toBeGreaterThanOrEqual(views[i - 1].fraction);
  expect(views.every((v) => v.fraction >= 0 && v.fraction <= 1)).toBe(true);
};

const DOWNLOADS = [
  'download-direct-mp4',
  'download-webm',
  'download-dash-two-files',
  'download-dash-480p',
  'download-dash-audio',
  'download-hls',
  'download-hls-two-files',
  'download-text-as-mp4',
  'download-two-videos-page',
  'download-restart-no-ranges',
  'download-resume-ranges',
  'download-hls-fragment-restart',
];

describe('downloadProgressFromLine', () => {
  it('reads the first real line of a direct download, where speed and eta are still unknown', () => {
    expect(downloadProgressFromLine(stdoutLines('download-direct-mp4')[1])).toEqual({
      status: 'downloading',
      downloadedBytes: 16384,
      totalBytes: 507211,
      speedBps: null,
      etaSeconds: null,
      fragmentIndex: null,
      fragmentCount: null,
      filename: '/tmp/vidpipe-fixtures/download-direct-mp4/source.mp4',
    });
  });

  it('reads speed and eta once yt-dlp knows them, and the finished line', () => {
    const lines = stdoutLines('download-direct-mp4');
    const second = downloadProgressFromLine(lines[2]);
    expect(second).toMatchObject({ downloadedBytes: 32768, totalBytes: 507211, etaSeconds: 0 });
    expect(second?.speedBps).toBeCloseTo(818693.28, 1);
    const finished = progressOf('download-direct-mp4').pop();
    expect(finished).toMatchObject({ status: 'finished', downloadedBytes: 507211, totalBytes: 507211, etaSeconds: null });
  });

  it('takes total_bytes_estimate and the fragments from a real HLS line', () => {
    const p = downloadProgressFromLine(stdoutLines('download-hls')[1]);
    expect(p).toMatchObject({ downloadedBytes: 16384, totalBytes: 1062200, fragmentIndex: 0, fragmentCount: 5, etaSeconds: 0 });
    expect(p?.speedBps).toBeCloseTo(7005757.64, 1);
  });

  it('parses every progress line of every captured download and nothing else', () => {
    for (const name of DOWNLOADS) {
      const lines = stdoutLines(name);
      const prefixed = lines.filter((l) => l.startsWith('[vidpipe-progress] '));
      expect(prefixed.length).toBeGreaterThan(0);
      expect(progressOf(name)).toHaveLength(prefixed.length);
    }
  });

  it('returns null for the other real lines and for broken ones', () => {
    const dash = stdoutLines('download-dash-two-files');
    expect(downloadProgressFromLine(dash[0])).toBeNull(); // [vidpipe-format] …
    expect(downloadProgressFromLine(dash[dash.length - 2])).toBeNull(); // [vidpipe-filepath] …
    expect(downloadProgressFromLine(readFileSync(join(__dirname, 'fixtures', 'download-dash-two-files.stderr.txt'), 'utf8'))).toBeNull();
    expect(downloadProgressFromLine(stdoutLines('download-max-filesize-not-quiet')[3])).toBeNull();
    expect(downloadProgressFromLine('')).toBeNull();
    expect(downloadProgressFromLine('[vidpipe-progress] {"status": "downloading", "downl')).toBeNull();
    expect(downloadProgressFromLine('[vidpipe-progress] NA')).toBeNull();
  });
});

describe('DownloadProgressTracker', () => {
  it('gives one rising bar over the real video-then-audio DASH download', () => {
    const views = track('download-dash-two-files');
    expectMonotone(views);
    const switchAt = views.findIndex((v) => v.fileNumber === 2);
    const lastOfVideo = views[switchAt - 1];
    // While the audio is still unseen it is assumed as large as the video: the video fills half the bar.
    expect(lastOfVideo.fraction).toBeCloseTo(0.5, 5);
    expect(lastOfVideo.totalBytes).toBeNull();
    expect(lastOfVideo).toMatchObject({ fileNumber: 1, fileCount: 2, downloadedBytes: 1253721 });
    // Once the audio starts its real size is known and the bar jumps forward, never back.
    expect(views[switchAt]).toMatchObject({ fileNumber: 2, fileCount: 2, downloadedBytes: 1253721 + 16384, totalBytes: 1253721 + 161877 });
    expect(views[switchAt].fraction).toBeCloseTo((1253721 + 16384) / (1253721 + 161877), 5);
    expect(views[views.length - 1]).toMatchObject({ fraction: 1, downloadedBytes: 1415598, totalBytes: 1415598, etaSeconds: 0 });
  });

  it('without the format line treats the current file as the last, so the bar waits at 1 during the audio', () => {
    const views = track('download-dash-two-files', false);
    expectMonotone(views);
    const switchAt = views.findIndex((v) => v.fileNumber === 2);
    expect(views[switchAt - 1].fraction).toBe(1);
    expect(views[switchAt].fraction).toBe(1);
    expect(views[switchAt].fileCount).toBeNull();
  });

  it('stays monotone over the real two-file HLS download, whose size estimates move both ways', () => {
    const raw = progressOf('download-hls-two-files');
    const rawFractions = raw.map((p) => p.downloadedBytes / (p.totalBytes as number));
    expect(rawFractions.some((f, i) => i > 0 && f < rawFractions[i - 1])).toBe(true);
    const views = track('download-hls-two-files');
    expectMonotone(views);
    expect(views[views.length - 1].fraction).toBe(1);
    expect(views[views.length - 1].downloadedBytes).toBe(1049228 + 133668);
  });

  it('follows bytes over a real single-file download and estimates the time left from the speed', () => {
    const views = track('download-direct-mp4');
    expectMonotone(views);
    expect(views[0]).toMatchObject({ fraction: 16384 / 507211, fileNumber: 1, fileCount: 1, etaSeconds: null });
    const mid = views[Math.floor(views.length / 2)];
    expect(mid.etaSeconds).toBe(Math.round((507211 - mid.downloadedBytes) / (mid.speedBps as number)));
    expect(views[views.length - 1].fraction).toBe(1);
  });

  it('uses fragments when a real HLS run has no byte total', () => {
    const tracker = new DownloadProgressTracker({ expectedFiles: 1 });
    const withoutBytes = progressOf('download-hls').map((p) => ({ ...p, totalBytes: null }));
    const views = withoutBytes.map((p) => tracker.update(p));
    expectMonotone(views);
    const third = withoutBytes.findIndex((p) => p.fragmentIndex === 3);
    expect(views[third].fraction).toBeCloseTo(3 / 5, 5);
    expect(views[third].totalBytes).toBeNull();
    expect(views[views.length - 1].fraction).toBe(1);
  });

  it('keeps a real restart from byte 0 (a server without ranges) as one file, holding the bar until new bytes pass it', () => {
    const size = 4053955;
    const raw = progressOf('download-restart-no-ranges');
    // What yt-dlp printed: three runs that reached 400000 bytes, then went back to 65536 under the same name.
    expect(raw.filter((p, i) => i > 0 && p.downloadedBytes < raw[i - 1].downloadedBytes)).toHaveLength(3);
    expect(new Set(raw.map((p) => p.filename)).size).toBe(1);

    const views = track('download-restart-no-ranges');
    expectMonotone(views);
    for (const v of views) {
      expect(v.downloadedBytes).toBeLessThanOrEqual(size);
      expect(v).toMatchObject({ fileNumber: 1, fileCount: 1, totalBytes: size });
      expect(downloadMessage(null, v).message).not.toMatch(/files/);
    }
    const heldAt = 400000 / size;
    const firstRestart = views.findIndex((v, i) => i > 0 && v.downloadedBytes < views[i - 1].downloadedBytes);
    expect(views[firstRestart]).toMatchObject({ downloadedBytes: 65536, fraction: heldAt, restart: { tryNumber: 2, fragmentIndex: null } });
    expect(downloadMessage(null, views[firstRestart]).message).toBe('Connection lost, starting again (try 2)');
    const tries = views.filter((v) => v.restart).map((v) => v.restart?.tryNumber);
    expect([...new Set(tries)]).toEqual([2, 3, 4]);
    // The bar moves again only once the fourth try passes 400000 real bytes, and the message is back to normal.
    const moving = views.findIndex((v) => v.fraction > heldAt);
    expect(views[moving].downloadedBytes).toBeGreaterThan(400000);
    expect(views[moving].restart).toBeNull();
    expect(downloadMessage(null, views[moving]).message).toBe('Downloading');
    expect(views[views.length - 1]).toMatchObject({ fraction: 1, downloadedBytes: size, etaSeconds: 0, restart: null });
  });

  it('follows a real resumed download (a server with ranges) with no restart at all', () => {
    const views = track('download-resume-ranges');
    expectMonotone(views);
    expect(views.every((v) => v.restart === null && v.fileNumber === 1)).toBe(true);
    for (let i = 1; i < views.length; i++) expect(views[i].downloadedBytes).toBeGreaterThanOrEqual(views[i - 1].downloadedBytes);
    expect(views[views.length - 1]).toMatchObject({ fraction: 1, downloadedBytes: 4053955 });
  });

  it('does not count a real HLS fragment fetched again twice', () => {
    const raw = progressOf('download-hls-fragment-restart');
    const finalBytes = raw[raw.length - 1].downloadedBytes;
    const views = track('download-hls-fragment-restart');
    expectMonotone(views);
    expect(views.every((v) => v.downloadedBytes <= finalBytes && v.fileNumber === 1 && v.fileCount === 1)).toBe(true);
    const restarted = views.filter((v) => v.restart);
    expect(restarted.length).toBeGreaterThan(0);
    // yt-dlp counts fragments from 0: the third of five was cut twice.
    expect(restarted[0].restart).toEqual({ tryNumber: 2, fragmentIndex: 2, fragmentCount: 5 });
    expect(downloadMessage(null, restarted[0]).message).toBe('Connection lost, fetching part 3 of 5 again (try 2)');
    expect(restarted.some((v) => v.restart?.tryNumber === 3)).toBe(true);
    expect(views[views.length - 1]).toMatchObject({ fraction: 1, downloadedBytes: finalBytes, restart: null });
  });

  it('still counts a second file when yt-dlp names another one, and says which of how many', () => {
    const views = track('download-dash-two-files');
    expect(views.every((v) => v.restart === null)).toBe(true);
    const second = views.find((v) => v.fileNumber === 2) as DownloadProgressView;
    expect(downloadMessage(720, second).message).toBe('Downloading 720p (2 of 2 files)');
  });

  it('keeps the last view on an error status', () => {
    const tracker = new DownloadProgressTracker();
    const [first, second] = progressOf('download-direct-mp4');
    tracker.update(first);
    const before = tracker.update(second);
    const after = tracker.update({ ...second, status: 'error', downloadedBytes: 0 });
    expect(after.fraction).toBe(before.fraction);
    expect(after.downloadedBytes).toBe(before.downloadedBytes);
  });
});
