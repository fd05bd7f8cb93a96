import fs from 'node:fs/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { AuthUser } from '../users/user.types';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ApiError } from '../http/api-error';
import { PipelineQueues } from '../pipeline/pipeline-queues';
import { WaitingJobs } from '../pipeline/waiting-jobs';
import { JOB_ID_PATTERN } from '../common/ids';
import { jobPaths } from './job-paths';
import { toCancelled, toFailed, toReopened, toRetried } from './job-lifecycle';
import { failure, say } from './job-messages';
import { JobRecords } from './job-records';
import { JobLimits, NO_LIMITS } from './job-records';
import { isFinalState, JobFormat, JobSnapshot, JobState, RETRYABLE_STATES } from './job.types';
import { formatBytes } from '../common/format';
import { checkUrl } from './url-policy';
import { DiskSpace } from '../disk/disk-space';
import { crashPoint } from '../ops/crash-point';

/** The limits a user's jobs carry (src/jobs/job-records.ts); admins are exempt from all three. */
export function limitsOf(user: Pick<AuthUser, 'role'>, config: AppConfig): JobLimits {
  if (user.role === 'admin') return NO_LIMITS;
  return { maxActive: config.userMaxActiveJobs, maxPerMinute: config.userMaxJobsPerMinute, maxMediaBytes: config.userMaxMediaBytes ?? 0 };
}

const notFound = () => new ApiError(404, 'not_found', 'There is no such job.');

/** What the API does with jobs; the pipeline itself runs in the workers. */
@Injectable()
export class JobsService {
  constructor(
    private readonly store: JobRecords,
    private readonly pipeline: PipelineQueues,
    private readonly waiting: WaitingJobs,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * A new job, `video` until its probe finds a playlist (then a `collection`, in the next event).
   * `playlist: false` takes a playlist's first entry only.
   */
  async create(user: AuthUser, input: { url: string; format: JobFormat; playlist: boolean }): Promise<JobSnapshot> {
    await new DiskSpace(this.config).assertRoomForNewJob(); // 507 disk_full under MIN_FREE_DISK_BYTES
    const verdict = await checkUrl(input.url, { allowPrivate: this.config.allowPrivateUrls, allowAddresses: this.config.allowedPrivateAddresses });
    if (!verdict.ok) throw new ApiError(400, verdict.code, verdict.message);
    const id = this.store.newId();
    await this.reserveOrRefuse(user, id);
    crashPoint('job.reserved'); // a place with no job: the reconciler gives it back
    let job: JobSnapshot;
    try {
      // The owner's limits travel with the job: its children are held to them.
      const options = { playlist: input.playlist, limits: limitsOf(user, this.config) };
      job = await this.store.create({ id, ownerId: user.id, url: verdict.url, format: input.format, options });
    } catch (err) {
      await this.store.unreserve(user.id, id);
      throw err;
    }
    await this.enqueueOrFail(job);
    return job;
  }

  /** The job if this user may see it; 404 otherwise, never revealing that it exists. */
  async visible(user: AuthUser, id: string): Promise<JobSnapshot> {
    if (!JOB_ID_PATTERN.test(id)) throw notFound();
    const job = await this.store.get(id);
    if (!job || (job.ownerId !== user.id && user.role !== 'admin')) throw notFound();
    return job;
  }

  /** The top level (collections and stand-alone videos), or one visible collection's children. */
  async list(user: AuthUser, q: { state?: JobState; limit: number; cursor?: number; parentId?: string }) {
    if (q.parentId !== undefined) {
      await this.visible(user, q.parentId);
      return this.store.list({ ...q, ownerId: null });
    }
    return this.store.list({ ownerId: user.role === 'admin' ? null : user.id, ...q });
  }

  async cancel(user: AuthUser, id: string): Promise<JobSnapshot> {
    const job = await this.visible(user, id);
    if (isFinalState(job.state)) throw new ApiError(409, 'already_finished', `This job has already ${job.state === 'completed' ? 'completed' : 'ended'}.`);
    const stored = await this.stop(job);
    if (!stored) throw new ApiError(409, 'already_finished', 'This job ended before it could be cancelled.');
    return stored;
  }

  /**
   * cancelled, its tool killed by whichever worker runs it, and so is every child of a
   * collection (a job still probing may have become one); null when it had already ended.
   */
  private async stop(job: JobSnapshot): Promise<JobSnapshot | null> {
    const stored = await this.store.transition(job.id, 'active', (current) => toCancelled(current, new Date()));
    if (!stored) return null;
    crashPoint('job.cancelled'); // its tool sees the cancel at its next write; its children are the reconciler's
    await this.store.requestCancel(job.id);
    await this.pipeline.drop(stored.id, stored.attempt);
    if (await this.stopChildren(job.id)) return (await this.store.recount(job.id)) ?? stored;
    return stored;
  }

  /** Waiting children first, so none of them takes the place a running one gives back. */
  private async stopChildren(collectionId: string): Promise<boolean> {
    const children = await this.children(collectionId);
    const order = [...children.filter((c) => c.state === 'queued'), ...children.filter((c) => c.state !== 'queued')];
    for (const child of order) if (!isFinalState(child.state)) await this.stop(child);
    return children.length > 0;
  }

  private async children(collectionId: string): Promise<JobSnapshot[]> {
    const jobs = await Promise.all((await this.store.childIds(collectionId)).map((id) => this.store.get(id)));
    return jobs.filter((j): j is JobSnapshot => j !== null);
  }

  async retry(user: AuthUser, id: string): Promise<JobSnapshot> {
    const job = await this.visible(user, id);
    if (job.kind === 'collection') return this.retryCollection(job);
    if (!RETRYABLE_STATES.has(job.state)) {
      throw new ApiError(409, 'not_retryable', 'Only a failed or cancelled job can be retried.');
    }
    await new DiskSpace(this.config).assertRoomForNewJob(); // a retry downloads again: 507 as for a new job
    if (job.parentId || (await this.store.waits(job.id))) return this.retryWaiting(job);
    // A retry starts a download again: it counts like a new submission.
    await this.reserveOrRefuse(user, job.id);
    // The 'ended' guard (in Redis) admits only a failed or cancelled job on the attempt read.
    const stored = await this.store.transition(job.id, 'ended', toRetried);
    if (!stored) {
      // Another retry won (its place among the active jobs is this same entry: keep it), or the
      // job is gone or otherwise ended: then the place goes back.
      const now = await this.store.get(job.id);
      if (!now || isFinalState(now.state)) await this.store.unreserve(job.ownerId, job.id);
      throw new ApiError(409, 'not_retryable', 'Only a failed or cancelled job can be retried.');
    }
    await this.enqueueOrFail(stored);
    return stored;
  }

  /** Every failed or cancelled child runs again, on the owner's waiting list; the collection runs again for them. */
  private async retryCollection(collection: JobSnapshot): Promise<JobSnapshot> {
    const retryable = (await this.children(collection.id)).filter((c) => RETRYABLE_STATES.has(c.state));
    if (retryable.length === 0) {
      throw new ApiError(409, 'not_retryable', 'Nothing in this collection failed or was cancelled.');
    }
    await this.reopen(collection.id);
    for (const child of retryable) await this.requeueChild(child);
    await this.waiting.startReleased(collection.ownerId);
    return (await this.store.rollUp(collection.id)) ?? (await this.store.get(collection.id)) ?? collection;
  }

  /** A child (or a subscription's find) waits for a place again rather than being refused. */
  private async retryWaiting(job: JobSnapshot): Promise<JobSnapshot> {
    if (job.parentId) await this.reopen(job.parentId);
    const stored = await this.requeueChild(job);
    if (!stored) {
      if (job.parentId) await this.store.rollUp(job.parentId); // it ends again as it was
      throw new ApiError(409, 'not_retryable', 'Only a failed or cancelled job can be retried.');
    }
    await this.waiting.startReleased(job.ownerId);
    return (await this.store.get(job.id)) ?? stored;
  }

  private async reopen(collectionId: string): Promise<void> {
    await this.store.transition(collectionId, 'reopen', (current) => (isFinalState(current.state) ? toReopened(current) : null));
  }

  private async requeueChild(child: JobSnapshot): Promise<JobSnapshot | null> {
    const stored = await this.store.transition(child.id, 'ended', (current) => ({ ...toRetried(current), ...say('job.waiting') }));
    if (stored) await this.store.wait(stored);
    return stored;
  }

  async remove(user: AuthUser, id: string): Promise<void> {
    await this.removeJob(await this.visible(user, id));
  }

  /**
   * The server's own removal of a finished job (retention): only while it is still the one that
   * finished at `finishedAt` — a job retried since is running again and stays. False when not removed.
   */
  async removeFinished(id: string, finishedAt: string): Promise<boolean> {
    const job = await this.store.get(id);
    if (!job || !isFinalState(job.state) || job.finishedAt !== finishedAt) return false;
    await this.removeJob(job);
    return true;
  }

  /** Every job of an account that is being removed. */
  async removeAllOf(ownerId: string): Promise<void> {
    for (;;) {
      const { items } = await this.store.list({ ownerId, limit: 50 });
      if (items.length === 0) return this.store.removeOwnerIndexes(ownerId);
      for (const job of items) await this.removeJob(job);
    }
  }

  /** `withCollection`: a child going with its collection, which needs no more counting. */
  private async removeJob(job: JobSnapshot, withCollection = false): Promise<void> {
    // stop() takes its queue entries out itself; an ended job's go too (no deleted link in Bull Board).
    const stopped = !isFinalState(job.state) && (await this.stop(job)) !== null;
    // Once stopped, a collection makes no more children: these are all of them.
    for (const child of await this.children(job.id)) await this.removeJob(child, true);
    await this.store.remove(job);
    crashPoint('job.removed'); // its media folder is left for the reconciler
    if (!stopped) await this.pipeline.drop(job.id, job.attempt);
    await fs.rm(jobPaths(this.config).media(job.id), { recursive: true, force: true });
    // A child deleted on its own: its collection counts one less (and may end with it).
    if (job.parentId && !withCollection && !(await this.store.rollUp(job.parentId))) await this.store.recount(job.parentId);
  }

  /** Per-user limits (admins are exempt): jobs at once, submissions a minute, media kept. */
  private async reserveOrRefuse(user: AuthUser, jobId: string): Promise<void> {
    if (user.role === 'admin') return;
    const c = this.config;
    // Counts finished media only: jobs under way may still take it past the quota.
    const used = c.userMaxMediaBytes === null ? 0 : await this.store.mediaBytesOf(user.id);
    if (c.userMaxMediaBytes !== null && used >= c.userMaxMediaBytes) {
      throw new ApiError(413, 'storage_full', `Your videos use ${formatBytes(used)} of your ${formatBytes(c.userMaxMediaBytes)}; delete some to make room.`, { used: formatBytes(used), max: formatBytes(c.userMaxMediaBytes) });
    }
    const reserved = await this.store.reserve(user.id, jobId, { maxActive: c.userMaxActiveJobs, maxPerMinute: c.userMaxJobsPerMinute });
    if (reserved === 'too_many_jobs') {
      throw new ApiError(429, 'too_many_jobs', `You already have ${c.userMaxActiveJobs} jobs queued or running; wait for one to finish.`, { max: c.userMaxActiveJobs });
    }
    if (reserved === 'too_many_submissions') {
      throw new ApiError(429, 'too_many_submissions', `You can start at most ${c.userMaxJobsPerMinute} jobs a minute; try again in a moment.`, { max: c.userMaxJobsPerMinute });
    }
  }

  /** A job that cannot be queued must not sit `queued` forever: it fails, saying why. */
  private async enqueueOrFail(job: JobSnapshot): Promise<void> {
    try {
      await this.pipeline.start({ jobId: job.id, attempt: job.attempt });
    } catch (err) {
      const error = failure('internal_error', 'error.internal_error.not_queued', { reason: (err as Error).message });
      // The caller hears the queue's error; a job left queued without an entry is the reconciler's to queue again.
      await this.store.write(toFailed(job, error, new Date()), 'attempt').catch(() => undefined);
      throw err;
    }
  }
}
