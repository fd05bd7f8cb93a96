// The Redis keys and channels of jobs; only src/jobs (JobRecords and its scans) reads or writes
// the keys. Every other aggregate keeps its own beside its records class (README, "Layout").
export const keys = {
  job: (id: string) => `vp:job:${id}`,
  jobsAll: 'vp:jobs',
  jobsOfOwner: (ownerId: string) => `vp:jobs:owner:${ownerId}`,
  jobCounter: 'vp:jobs:counter',
  /** A collection's children, scored by their place in the playlist. */
  childrenOf: (collectionId: string) => `vp:job:${collectionId}:children`,
  /** An owner's children (and subscription finds) waiting for a place among the active jobs, oldest first. */
  waitingJobsOf: (ownerId: string) => `vp:jobs:waiting:${ownerId}`,
  /** Ids of an owner's jobs that are not final (queued or running): the active-jobs quota. */
  activeJobsOf: (ownerId: string) => `vp:jobs:active:${ownerId}`,
  /** Bytes of finished media an owner keeps: the storage quota. */
  mediaBytesOf: (ownerId: string) => `vp:usage:media-bytes:${ownerId}`,
  /** Jobs an owner submitted in the current 60 s window: the rate limit. */
  submissionsOf: (ownerId: string) => `vp:rate:jobs:${ownerId}`,
  /** The transactional outbox: what must follow a write, appended by the write itself (src/jobs/outbox.ts). */
  outbox: 'vp:outbox',
} as const;

export const channels = {
  /** Every published snapshot (JSON); each api process relays it to its own clients. */
  jobEvents: 'vp:events:job',
  /** A job id whose running tool must be stopped by whichever worker holds it. */
  jobCancel: 'vp:events:cancel',
  /** `{ id, ownerId }` of a deleted job. */
  jobRemoved: 'vp:events:job-removed',
} as const;

