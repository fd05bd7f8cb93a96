/** One block of ffmpeg's `-progress` output, reduced to what a progress bar needs. */
export interface FfmpegProgress {
  outTimeSec: number | null;
  /** Times real time ("2.5x" → 2.5). */
  speed: number | null;
  frame: number | null;
  /** The block ended with `progress=end`: ffmpeg has written everything. */
  done: boolean;
}

/**
 * Reads `-progress` output one line at a time: `key=value` lines accumulate and each
 * `progress=continue|end` line closes a block. Other keys and non key=value lines are ignored,
 * so stray log lines cost one indexOf.
 */
export class FfmpegProgressParser {
  private outTimeUs: number | null = null;
  private speed: number | null = null;
  private frame: number | null = null;

  push(line: string): FfmpegProgress | null {
    const eq = line.indexOf('=');
    if (eq <= 0) return null;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    switch (key) {
      // ffmpeg 5.1 writes microseconds under both names (out_time_ms is misnamed); prefer _us.
      case 'out_time_us':
        this.outTimeUs = numberOrNull(value);
        return null;
      case 'out_time_ms':
        if (this.outTimeUs === null) this.outTimeUs = numberOrNull(value);
        return null;
      case 'speed':
        this.speed = numberOrNull(value.endsWith('x') ? value.slice(0, -1) : value);
        return null;
      case 'frame':
        this.frame = numberOrNull(value);
        return null;
      case 'progress':
        return this.closeBlock(value === 'end');
      default:
        return null;
    }
  }

  private closeBlock(done: boolean): FfmpegProgress {
    const outTimeUs = this.outTimeUs;
    const block: FfmpegProgress = {
      // Before the first packet the time can be slightly negative (audio priming): that is zero.
      outTimeSec: outTimeUs === null ? null : Math.max(0, outTimeUs) / 1e6,
      speed: this.speed,
      frame: this.frame,
      done,
    };
    this.outTimeUs = null;
    this.speed = null;
    this.frame = null;
    return block;
  }
}

/** How far this ffmpeg run is, 0–100; null when neither the time nor the duration is known. */
export function stagePercentFromProgress(p: FfmpegProgress, durationSec: number | null): number | null {
  if (p.done) return 100;
  if (p.outTimeSec === null || durationSec === null || !(durationSec > 0)) return null;
  return Math.min(100, Math.max(0, (p.outTimeSec / durationSec) * 100));
}

/** "N/A", "", and anything else that is not a finite number → null. */
function numberOrNull(value: string): number | null {
  if (value === '' || value === 'N/A') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}
