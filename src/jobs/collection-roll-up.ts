import { Injectable, OnModuleInit } from '@nestjs/common';
import { Outbox } from './outbox';
import { JobRecords } from './job-records';

/**
 * A child's end reaches its collection through the outbox: counts and percent, and the
 * collection's own end with its last child, even when the process that ended the child died
 * before it could tell (the writer also rolls up at once, for people watching).
 */
@Injectable()
export class CollectionRollUp implements OnModuleInit {
  constructor(
    private readonly store: JobRecords,
    private readonly outbox: Outbox,
  ) {}

  onModuleInit(): void {
    this.outbox.handle('collection-roll-up', async (job) => {
      if (job.parentId) await this.store.rollUp(job.parentId); // null once the collection ended: nothing to do
    });
  }
}
