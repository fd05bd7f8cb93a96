// The socket.io contract of namespace /jobs, typed once for the server, the tests and the web client.
import type { JobSnapshot } from '../jobs/job.types';

export const JOBS_NAMESPACE = '/jobs';

export type SubscribeAck = { ok: true; job: JobSnapshot } | { ok: false; error: 'not_found' | 'invalid_request' };

export interface ServerToClientEvents {
  /** Every change of a job, to `job:<id>` and to its owner's `user:<ownerId>` room. */
  job: (snapshot: JobSnapshot) => void;
  /** The job was deleted (by its owner, an admin, or with its account), to the same rooms. */
  jobRemoved: (payload: { id: string }) => void;
  /** This api process is stopping (SIGTERM): the connection closes next; reconnect (socket.io does so by itself). */
  serverShutdown: (notice: ServerShutdownNotice) => void;
}

export interface ServerShutdownNotice {
  reason: 'shutdown';
  /** A sentence for people. */
  message: string;
}

export interface ClientToServerEvents {
  subscribe: (payload: { jobId: string }, ack: (reply: SubscribeAck) => void) => void;
  unsubscribe: (payload: { jobId: string }, ack?: (reply: { ok: true }) => void) => void;
}

export const rooms = {
  job: (jobId: string) => `job:${jobId}`,
  user: (userId: string) => `user:${userId}`,
  /** Admins see every job in their dashboard list. */
  admins: 'admins',
} as const;
