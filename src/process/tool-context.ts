// What a tool started on behalf of a job needs to know about that job, without threading it through
// every caller: the stage processor runs the stage inside toolContext.run(), run-tool.ts and
// ffmpeg.runner.ts read it when they start a tool.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface ToolContext {
  jobId: string;
  /** A tool that prints nothing (stdout or stderr) this long is stopped; null: never. */
  stallTimeoutMs: number | null;
  /** Called once when a tool stalled; the caller fails the job (the tool is killed already). */
  onStall(tool: string): void;
}

export const toolContext = new AsyncLocalStorage<ToolContext>();

/**
 * Watches one tool's output: `touch()` on every chunk; after `timeoutMs` without one it calls
 * `onStall` once. A no-op outside a job or with no timeout.
 */
export class StallWatch {
  private timer: NodeJS.Timeout | null = null;
  private fired = false;

  constructor(
    private readonly timeoutMs: number | null,
    private readonly onStall: () => void,
  ) {
    this.touch();
  }

  /** For the tool about to start, in the job the caller runs for (if any). */
  static forTool(tool: string, kill: () => void): StallWatch {
    const ctx = toolContext.getStore();
    return new StallWatch(ctx?.stallTimeoutMs ?? null, () => {
      kill();
      ctx?.onStall(tool);
    });
  }

  touch(): void {
    if (this.timeoutMs === null || this.fired) return;
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(() => this.fire(), this.timeoutMs);
  }

  get stalled(): boolean {
    return this.fired;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private fire(): void {
    this.fired = true;
    this.timer = null;
    this.onStall();
  }
}
