// Pure parsing of yt-dlp's `[vidpipe-progress] {json}` lines and one monotone view over several files.
import { type JobMessage, say } from '../../jobs/job-messages';
import { PROGRESS_LINE_PREFIX } from './ytdlp-args';

export interface DownloadProgress {
  status: 'downloading' | 'finished' | 'error';
  downloadedBytes: number;
  totalBytes: number | null;
  speedBps: number | null;
  etaSeconds: number | null;
  fragmentIndex: number | null;
  fragmentCount: number | null;
  filename: string | null;
}

const STATUSES: ReadonlySet<string> = new Set(['downloading', 'finished', 'error']);

const finiteOrNull = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;

export function downloadProgressFromLine(line: string): DownloadProgress | null {
  // Cheap rejection first: this runs for every stdout line, many times a second.
  if (!line.startsWith(PROGRESS_LINE_PREFIX)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(line.slice(PROGRESS_LINE_PREFIX.length));
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const o = raw as Record<string, unknown>;
  if (typeof o.status !== 'string' || !STATUSES.has(o.status)) return null;
  // HLS and some servers give only an estimate, which moves as fragments arrive.
  const total = finiteOrNull(o.total_bytes) ?? finiteOrNull(o.total_bytes_estimate);
  return {
    status: o.status as DownloadProgress['status'],
    downloadedBytes: finiteOrNull(o.downloaded_bytes) ?? 0,
    totalBytes: total === null || total === 0 ? null : Math.round(total),
    speedBps: finiteOrNull(o.speed),
    etaSeconds: finiteOrNull(o.eta),
    fragmentIndex: finiteOrNull(o.fragment_index),
    fragmentCount: finiteOrNull(o.fragment_count) || null,
    filename: typeof o.filename === 'string' ? o.filename : null,
  };
}

export interface DownloadProgressView {
  /** Bytes of the current try of each file: never more than the files' sizes. */
  downloadedBytes: number;
  /** Known only once every expected file has started; null before that or when the server gives no size. */
  totalBytes: number | null;
  speedBps: number | null;
  etaSeconds: number | null;
  /** 0..1, never smaller than on the previous call. */
  fraction: number;
  /** 1-based number of the file being downloaded. */
  fileNumber: number;
  /** From the format line (`v720+a128` → 2) or the files seen so far, whichever is larger; null if unknown. */
  fileCount: number | null;
  /** Set while the bar is held after the connection was lost and the file (or one HLS/DASH part) started again. */
  restart: DownloadRestart | null;
}

export interface DownloadRestart {
  /** 2 for the first time it starts again. */
  tryNumber: number;
  /** The fragment fetched again (0-based, as yt-dlp counts), or null for a whole file. */
  fragmentIndex: number | null;
  fragmentCount: number | null;
}

interface CurrentFile {
  filename: string | null;
  downloaded: number;
  total: number | null;
  fileFraction: number;
  /** Times the current file, or its current fragment, started again. */
  restarts: number;
  restartedFragment: number | null;
}

/**
 * Combines the progress runs of one yt-dlp download into one view that never goes back.
 *
 * A new file starts only when yt-dlp names another file (`bv*+ba` downloads the video, then the
 * audio, each from 0), or, where it names none, when the bytes go back while the format line
 * promised more files. Bytes going back under the same name are the same file starting again
 * (a server without range support after a lost connection) or an HLS/DASH fragment fetched
 * again: that try replaces the bytes counted so far, and the bar is held where it was, with
 * `restart` set, until the new bytes pass it.
 *
 * While more files are expected than seen, each unseen file is assumed to be as large as the
 * average file seen so far; with no expectation the current file is taken to be the last. So
 * fraction = (done bytes + current bytes) / (done bytes + current total + unseen estimate), or by
 * fragments (index / count) when a run has no byte total, clamped so it never decreases (HLS size
 * estimates move both ways as fragments arrive).
 */
export class DownloadProgressTracker {
  private expectedFiles: number | null;
  private doneBytes = 0;
  private doneFiles = 0;
  private doneAllSized = true;
  private current: CurrentFile | null = null;
  private lastFraction = 0;
  /** Between a restart and the moment real bytes pass the held bar. */
  private recovering = false;

  constructor(options: { expectedFiles?: number | null } = {}) {
    this.expectedFiles = options.expectedFiles ?? null;
  }

  /** Tell the tracker how many files the chosen format downloads (from the `[vidpipe-format]` line). */
  expectFiles(count: number): void {
    if (Number.isInteger(count) && count > 0) this.expectedFiles = count;
  }

  update(p: DownloadProgress): DownloadProgressView {
    if (p.status !== 'error') this.advance(p);
    return this.view(p);
  }

  private advance(p: DownloadProgress): void {
    const cur = this.current;
    if (cur === null) {
      this.current = fileFrom(p, 0, null);
      return;
    }
    const wentBack = p.downloadedBytes < cur.downloaded;
    const named = p.filename !== null && cur.filename !== null;
    const moreFilesExpected = this.expectedFiles !== null && this.doneFiles + 1 < this.expectedFiles;
    const isNewFile = named ? p.filename !== cur.filename : wentBack && moreFilesExpected;
    if (isNewFile) {
      this.doneBytes += Math.max(cur.downloaded, cur.total ?? 0);
      this.doneFiles += 1;
      this.doneAllSized = this.doneAllSized && cur.total !== null;
      this.recovering = false;
      this.current = fileFrom(p, 0, null);
      return;
    }
    let { restarts, restartedFragment } = cur;
    if (wentBack) {
      // Tries are counted per fragment for HLS/DASH, per file otherwise.
      restarts = restartedFragment === p.fragmentIndex ? restarts + 1 : 1;
      restartedFragment = p.fragmentIndex;
      this.recovering = true;
    }
    this.current = { ...fileFrom(p, restarts, restartedFragment), filename: p.filename ?? cur.filename };
  }

  private view(p: DownloadProgress): DownloadProgressView {
    const cur = this.current ?? fileFrom(p, 0, null);
    const seen = this.doneFiles + (this.current ? 1 : 0);
    const unseen = this.expectedFiles === null ? 0 : Math.max(0, this.expectedFiles - seen);
    const downloadedBytes = this.doneBytes + cur.downloaded;

    let fraction: number;
    let totalBytes: number | null = null;
    let remainingBytes: number | null = null;
    if (cur.total !== null && this.doneAllSized) {
      const knownTotal = this.doneBytes + Math.max(cur.total, cur.downloaded);
      const estimatedTotal = knownTotal + (seen > 0 ? (unseen * knownTotal) / seen : 0);
      fraction = estimatedTotal > 0 ? downloadedBytes / estimatedTotal : 0;
      if (unseen === 0) totalBytes = knownTotal;
      remainingBytes = Math.max(0, estimatedTotal - downloadedBytes);
    } else {
      // No byte sizes: every file weighs the same and the current one moves by fragments.
      fraction = seen > 0 ? (this.doneFiles + cur.fileFraction) / (seen + unseen) : 0;
    }
    const finished = p.status === 'finished' && unseen === 0;
    if (finished) fraction = 1;
    fraction = Math.min(1, Math.max(0, fraction));
    if (fraction > this.lastFraction) this.recovering = false;
    this.lastFraction = Math.max(this.lastFraction, fraction);

    const speedBps = p.speedBps;
    // Our own ETA covers the files still to come; yt-dlp's covers only the current one.
    const etaSeconds =
      remainingBytes !== null && speedBps !== null && speedBps > 0
        ? Math.round(remainingBytes / speedBps)
        : p.etaSeconds;
    return {
      downloadedBytes,
      totalBytes,
      speedBps,
      etaSeconds: finished ? 0 : etaSeconds,
      fraction: this.lastFraction,
      fileNumber: Math.max(1, seen),
      fileCount: this.expectedFiles === null ? null : Math.max(this.expectedFiles, seen),
      restart: this.recovering
        ? { tryNumber: cur.restarts + 1, fragmentIndex: cur.restartedFragment, fragmentCount: p.fragmentCount }
        : null,
    };
  }
}

/**
 * What the job's message says while downloading: the height asked for ("Downloading 720p"), which file of how
 * many, or, while the bar is held after a lost connection, that it is starting again.
 */
export function downloadMessage(height: number | null, view: DownloadProgressView): JobMessage {
  const r = view.restart;
  if (r) {
    if (r.fragmentIndex === null) return say('job.restart', { try: r.tryNumber });
    const part = r.fragmentIndex + 1;
    return r.fragmentCount ? say('job.restart_part_of', { part, parts: r.fragmentCount, try: r.tryNumber }) : say('job.restart_part', { part, try: r.tryNumber });
  }
  if (view.fileCount && view.fileCount > 1) {
    const files = { fileNumber: view.fileNumber, fileCount: view.fileCount };
    return height ? say('job.downloading_height_files', { height, ...files }) : say('job.downloading_files', files);
  }
  return height ? say('job.downloading_height', { height }) : say('job.downloading');
}

function fileFrom(p: DownloadProgress, restarts: number, restartedFragment: number | null): CurrentFile {
  return {
    filename: p.filename,
    downloaded: p.downloadedBytes,
    total: p.totalBytes,
    fileFraction: fileFraction(p),
    restarts,
    restartedFragment,
  };
}

function fileFraction(p: DownloadProgress): number {
  if (p.status === 'finished') return 1;
  if (p.totalBytes !== null && p.totalBytes > 0) return Math.min(1, p.downloadedBytes / p.totalBytes);
  if (p.fragmentIndex !== null && p.fragmentCount !== null) return Math.min(1, p.fragmentIndex / p.fragmentCount);
  return 0;
}
