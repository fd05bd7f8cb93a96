import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ApiError } from '../http/api-error';
import type { JobFormat } from '../jobs/job.types';
import { checkUrl } from '../jobs/url-policy';
import type { AuthUser } from '../users/user.types';
import { publicSubscription, StoredSubscription, SubscriptionRecords } from './subscription-records';
import { Subscription, SUBSCRIPTION_ID_PATTERN, SubscriptionCheck, SUBSCRIPTIONS_QUEUE } from './subscription.types';
import { CHECK_OPTIONS, scheduleChecks } from './subscription-schedule';
import { crashPoint } from '../ops/crash-point';

const notFound = () => new ApiError(404, 'not_found', 'There is no such subscription.');


/**
 * What the API does with subscriptions: each has a BullMQ job scheduler (its id is the
 * subscription's) that makes a check every interval; the checks run in the workers.
 */
@Injectable()
export class SubscriptionsService {
  constructor(
    readonly records: SubscriptionRecords,
    @InjectQueue(SUBSCRIPTIONS_QUEUE) private readonly queue: Queue<SubscriptionCheck>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(user: AuthUser, input: { url: string; format: JobFormat; intervalMinutes: number }): Promise<Subscription> {
    const min = this.config.subscriptionMinIntervalMinutes;
    if (input.intervalMinutes < min) {
      throw new ApiError(400, 'interval_too_short', `A subscription is checked at most every ${min} minutes; set intervalMinutes to ${min} or more.`, { min });
    }
    const verdict = await checkUrl(input.url, { allowPrivate: this.config.allowPrivateUrls, allowAddresses: this.config.allowedPrivateAddresses });
    if (!verdict.ok) throw new ApiError(400, verdict.code, verdict.message);
    const max = this.config.userMaxSubscriptions;
    const made = await this.records.create({ ownerId: user.id, url: verdict.url, format: input.format, intervalMinutes: input.intervalMinutes }, max);
    if (made.kind === 'too_many') throw new ApiError(409, 'too_many_subscriptions', `You can have at most ${max} subscriptions; delete one first.`, { max });
    if (made.kind === 'already_subscribed') {
      throw new ApiError(409, 'already_subscribed', `You already follow this link: subscription ${made.existingId}. Check it now or delete it first.`, { id: made.existingId });
    }
    const sub = made.subscription;
    crashPoint('subscription.created'); // the reconciler schedules a subscription left without its checks
    try {
      await scheduleChecks(this.queue, sub);
    } catch (err) {
      await this.records.remove(sub);
      throw err;
    }
    return publicSubscription(sub);
  }

  async list(user: AuthUser): Promise<{ items: Subscription[] }> {
    return { items: (await this.records.listOf(user.id)).map(publicSubscription) };
  }

  /** Its owner's only (admins included: a subscription is personal); 404 otherwise. */
  async visible(user: AuthUser, id: string): Promise<StoredSubscription> {
    if (!SUBSCRIPTION_ID_PATTERN.test(id)) throw notFound();
    const sub = await this.records.get(id);
    if (!sub || sub.ownerId !== user.id) throw notFound();
    return sub;
  }

  /** Check now: answered at once, the check runs in a worker. */
  async checkNow(user: AuthUser, id: string): Promise<Subscription> {
    const sub = await this.visible(user, id);
    // One "check now" at a time per subscription: asking again while it waits or runs adds nothing.
    await this.queue.add('check', { subscriptionId: sub.id }, { ...CHECK_OPTIONS, jobId: `check-now-${sub.id}`, removeOnComplete: true, removeOnFail: true });
    return publicSubscription(sub);
  }

  async remove(user: AuthUser, id: string): Promise<void> {
    await this.removeOne(await this.visible(user, id));
  }

  /** Every subscription of an account that is being removed. */
  async removeAllOf(ownerId: string): Promise<void> {
    for (const sub of await this.records.listOf(ownerId)) await this.removeOne(sub);
    await this.records.removeIndexesOf(ownerId);
  }

  private async removeOne(sub: StoredSubscription): Promise<void> {
    await this.queue.removeJobScheduler(sub.id);
    await this.records.remove(sub);
  }
}
