/**
 * Stops a tool when the job's signal aborts (cancel, shutdown) or for a reason of our own (a
 * limit), and remembers which. One plain controller, not AbortSignal.any: Node 20 may collect
 * such a composite signal, listeners and all, and the cancel would never arrive.
 */
export class ToolStop<Reason extends string = string> {
  private readonly controller = new AbortController();
  private own: Reason | null = null;
  private readonly follow = () => this.controller.abort();

  constructor(private readonly job: AbortSignal) {
    job.addEventListener('abort', this.follow, { once: true });
    if (job.aborted) this.controller.abort();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Stop the tool for a reason of our own, unless it is stopped already. */
  stop(reason: Reason): void {
    if (this.controller.signal.aborted) return;
    this.own = reason;
    this.controller.abort();
  }

  /** Our own reason, when that (not the job's cancel or shutdown) is what stopped the tool. */
  get reason(): Reason | null {
    return this.job.aborted ? null : this.own;
  }

  dispose(): void {
    this.job.removeEventListener('abort', this.follow);
  }
}
