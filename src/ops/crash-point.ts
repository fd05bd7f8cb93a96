// Named places between a write and what must follow it, where the crash tests kill the process.
// Off unless VIDPIPE_CRASH_AT names one (only the test suites set it): then the process SIGKILLs
// itself there, exactly as a power cut or the OOM killer would, and the test restarts it.

/** Every "write, then do" that a crash test stops in the middle of. */
export type CrashPointName =
  /** A job's final state is written (with its outbox entry); nothing that follows it has run. */
  | 'job.final-written'
  /** An outbox follow-up did its work but did not acknowledge the entry (`outbox.handled:<group>`). */
  | `outbox.handled:${string}`
  /** A batch of a collection's children is written; the rest of the listing is not. */
  | 'collection.batch-written'
  /** A subscription check made one job for a find (and marked it seen); the other finds wait. */
  | 'subscription.find-made'
  /** Waiting jobs were given places among their owner's active ones but not queued yet. */
  | 'waiting.released'
  /** A run's private folder holds the owner's cookies and its tool runs. */
  | 'ytdlp.cookies-written'
  /** A deleted job's record is gone; its media folder is not. */
  | 'job.removed'
  /** An account is removed; its jobs and subscriptions are not yet. */
  | 'account.removed'
  /** A subscription is stored; its job scheduler is not. */
  | 'subscription.created'
  /** A place among the owner's active jobs is reserved for a new job; the job is not written. */
  | 'job.reserved'
  /** A job (a collection) is written cancelled; its tool and its children are not stopped yet. */
  | 'job.cancelled';

/** `VIDPIPE_CRASH_AT=<name>` crashes at the first pass, `<name>#<n>` at the n-th. */
const wanted = parse(process.env.VIDPIPE_CRASH_AT);
let passes = 0;

function parse(value: string | undefined): { name: string; at: number } | null {
  if (!value) return null;
  const [name, at] = value.split('#');
  return { name, at: at ? Number(at) : 1 };
}

export function crashPoint(name: CrashPointName): void {
  if (wanted === null || wanted.name !== name || ++passes < wanted.at) return;
  process.stderr.write(`vidpipe: crash point ${name} reached (VIDPIPE_CRASH_AT): SIGKILL\n`);
  process.kill(process.pid, 'SIGKILL');
}
