import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { registeredQueues, registeredWorkers } from './registered-queues';

/** An outage makes every reconnect attempt fail: one line per queue or worker a minute says it. */
const REPORT_EVERY_MS = 60_000;

/**
 * A BullMQ queue or worker with no 'error' listener prints each Redis error raw to stderr (several
 * a second while Redis is away), which breaks one-JSON-object-per-line logs: they become warnings.
 */
@Injectable()
export class QueueErrors implements OnApplicationBootstrap {
  private readonly logger = new Logger('Queues');
  private readonly lastReport = new Map<string, number>();

  constructor(private readonly modules: ModulesContainer) {}

  onApplicationBootstrap(): void {
    for (const queue of registeredQueues(this.modules)) queue.on('error', (err: Error) => this.report(`Queue ${queue.name}`, err));
    for (const worker of registeredWorkers(this.modules)) worker.on('error', (err: Error) => this.report(`Worker ${worker.name}`, err));
  }

  private report(what: string, err: Error): void {
    const last = this.lastReport.get(what) ?? 0;
    if (Date.now() - last < REPORT_EVERY_MS) return;
    this.lastReport.set(what, Date.now());
    this.logger.warn(`${what}: ${err.message} (said at most once a minute)`);
  }
}
