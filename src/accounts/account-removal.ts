import { Injectable, Logger } from '@nestjs/common';
import { CookieRecords } from '../cookies/cookie-records';
import { JobRecords } from '../jobs/job-records';
import { JobsService } from '../jobs/jobs.service';
import { SessionRecords } from '../auth/session-records';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';
import { UserRecords } from '../users/user-records';
import { WebhookRecords } from '../webhooks/webhook-records';

/**
 * What goes with an account: each aggregate's `removeAllOf(userId)`, in one place. The account
 * record goes first (UsersService.remove), so nothing new is made for it meanwhile; a removal cut
 * short by a death leaves data whose owner is gone, which the reconciler finds with
 * `leftoverOwners()` and finishes here.
 */
@Injectable()
export class AccountRemoval {
  private readonly logger = new Logger('Accounts');

  constructor(
    private readonly users: UserRecords,
    private readonly sessions: SessionRecords,
    private readonly subscriptions: SubscriptionsService,
    private readonly webhooks: WebhookRecords,
    private readonly cookies: CookieRecords,
    private readonly jobs: JobsService,
    private readonly jobRecords: JobRecords,
  ) {}

  /** Everything of a removed account, in the order that stops it soonest: each step may run again. */
  async removeDataOf(userId: string): Promise<void> {
    await this.sessions.removeAllOf(userId);
    await this.sessions.publish({ userId }); // open sockets and streams end on every api process
    await this.subscriptions.removeAllOf(userId); // no more finds
    await this.webhooks.removeAllOf(userId);
    await this.cookies.removeAllOf(userId);
    await this.jobs.removeAllOf(userId); // running ones are stopped; media goes with them
    this.logger.log(`The data of removed account ${userId} is gone`);
  }

  /** Owners of data (jobs, subscriptions, webhooks, cookies, sessions) whose account no longer exists. */
  async leftoverOwners(): Promise<string[]> {
    const owners = new Set([
      ...(await this.jobRecords.owners()),
      ...(await this.subscriptions.records.owners()),
      ...(await this.webhooks.owners()),
      ...(await this.cookies.owners()),
      ...(await this.sessions.owners()),
    ]);
    const gone: string[] = [];
    for (const owner of owners) if (!(await this.users.exists(owner))) gone.push(owner);
    return gone;
  }
}
