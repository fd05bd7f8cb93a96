import { Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { JobType, Queue } from 'bullmq';
import { collectDefaultMetrics, Gauge, Histogram, Metric, Registry } from 'prom-client';
import { JobEventsRelay } from '../events/job-events.relay';
import { JobsGateway } from '../events/jobs.gateway';
import { registeredQueues } from '../ops/registered-queues';
import { QUEUE_NAMES } from '../pipeline/pipeline';
import { RedisService } from '../redis/redis.module';
import { liveWorkers } from '../workers/live-workers';
import type { WorkerHeartbeat } from '../workers/worker-keys';
import { countUnfinishedJobs, UnfinishedState } from '../jobs/jobs-by-state';
import { UserRecords } from '../users/user-records';
import { metricsKeys, STAGE_OUTCOMES } from './metrics-keys';
import { histogramValues } from './stage-histogram';

const QUEUE_STATES: JobType[] = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'];
/** A scrape while Redis is away answers with what this process knows, not never. */
const REDIS_TIMEOUT_MS = 3_000;

interface ClusterReading {
  jobs: Record<UnfinishedState, number>;
  jobsEnded: Record<string, string>;
  repairs: Record<string, string>;
  queues: { queue: string; counts: Record<string, number> }[];
  workers: WorkerHeartbeat[];
  stages: { stage: string; outcome: string; stored: Record<string, string> }[];
  webhooks: Record<string, string>;
}

/**
 * GET /metrics of one api process. Cluster-wide series (jobs, queues, workers, stage durations,
 * webhook deliveries) are read from Redis, where every worker adds what it observes: workers need
 * no port of their own and any api answers for all. Per-process series (socket clients, event relay
 * lag, Node's own) describe the api that was scraped.
 */
@Injectable()
export class MetricsExporter implements OnModuleInit, OnApplicationBootstrap {
  readonly registry = new Registry();
  private reading: Promise<ClusterReading | null> | null = null;
  private queues: Queue[] = [];

  constructor(
    private readonly redis: RedisService,
    private readonly users: UserRecords,
    private readonly relay: JobEventsRelay,
    private readonly gateway: JobsGateway,
    private readonly modules: ModulesContainer,
  ) {}

  async text(): Promise<{ contentType: string; body: string }> {
    this.reading = null; // a new scrape reads Redis afresh
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  onApplicationBootstrap(): void {
    // The pipeline's queues in their order, then the others (webhooks, retention…) by name.
    const order = (name: string) => (QUEUE_NAMES as readonly string[]).indexOf(name) >>> 0;
    this.queues = registeredQueues(this.modules).sort((a, b) => order(a.name) - order(b.name) || a.name.localeCompare(b.name));
  }

  onModuleInit(): void {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const exporter = this;

    const relayLag = new Histogram({
      name: 'vidpipe_event_relay_lag_seconds',
      help: 'Time from a job snapshot being written (its updatedAt) to this api relaying it to its clients',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.relay.onEveryJob((job) => {
      const lag = (Date.now() - Date.parse(job.updatedAt)) / 1000;
      if (Number.isFinite(lag)) relayLag.observe(Math.max(0, lag)); // clocks of two hosts may disagree a little
    });
    new Gauge({
      name: 'vidpipe_socket_clients',
      help: 'socket.io clients connected to this api process',
      registers,
      collect() {
        this.set(exporter.gateway.clientCount());
      },
    });

    new Gauge({
      name: 'vidpipe_redis_up',
      help: '1 when this scrape could read Redis; 0 and no cluster-wide series otherwise',
      registers,
      async collect() {
        this.set((await exporter.cluster()) ? 1 : 0);
      },
    });
    this.gauge('vidpipe_jobs', "Jobs not finished yet by state: queued (waiting for a worker or for a place among their owner's active jobs) or running", ['state'], (r, set) => {
      for (const [state, n] of Object.entries(r.jobs)) set({ state }, n);
    });
    this.gauge('vidpipe_queue_jobs', "Entries in each BullMQ queue by BullMQ's own state", ['queue', 'state'], (r, set) => {
      for (const { queue, counts } of r.queues) for (const [state, n] of Object.entries(counts)) set({ queue, state }, n);
    });
    this.gauge('vidpipe_workers', 'Live worker processes (a heartbeat in the last 30 s)', [], (r, set) => set({}, r.workers.length));
    this.gauge('vidpipe_worker_slots', 'Jobs the live workers can run at once, per stage', ['stage'], (r, set) => {
      for (const stage of QUEUE_NAMES) set({ stage }, sum(r.workers.map((w) => w.concurrency[stage] ?? 0)));
    });
    this.gauge('vidpipe_running_jobs', 'Stage runs in progress on the live workers, per stage', ['stage'], (r, set) => {
      for (const stage of QUEUE_NAMES) set({ stage }, sum(r.workers.map((w) => w.runningJobs.filter((j) => j.stage === stage).length)));
    });
    this.gauge('vidpipe_running_tools', 'yt-dlp, ffmpeg and ffprobe processes running under the live workers (as of their last heartbeat)', ['tool'], (r, set) => {
      const tools = new Set(['yt-dlp', 'ffmpeg', 'ffprobe', ...r.workers.flatMap((w) => Object.keys(w.runningTools ?? {}))]);
      for (const tool of tools) set({ tool }, sum(r.workers.map((w) => w.runningTools?.[tool] ?? 0)));
    });

    this.fromRedis('vidpipe_stage_duration_seconds', 'histogram', 'Time a worker spent on one stage of a job (probe + download, transcode), by how it ended', (r) =>
      r.stages.flatMap(({ stage, outcome, stored }) => histogramValues('vidpipe_stage_duration_seconds', { stage, outcome }, stored)),
    );
    this.fromRedis('vidpipe_jobs_ended_total', 'counter', 'Jobs that ended, by final state and kind (video or collection); a retried job that ends again counts again', (r) =>
      Object.entries(r.jobsEnded).map(([field, n]) => {
        const [kind, state] = field.split(':');
        return { labels: { state, kind }, value: Number(n) };
      }),
    );
    this.fromRedis('vidpipe_repairs_total', 'counter', 'What the reconciler found left undone by a process that died, and repaired, by kind', (r) =>
      Object.entries(r.repairs).map(([kind, n]) => ({ labels: { kind }, value: Number(n) })),
    );
    this.fromRedis('vidpipe_webhook_deliveries_total', 'counter', "Webhook delivery attempts by result: the receiver's status class, or error when it did not answer", (r) =>
      Object.entries(r.webhooks).map(([result, n]) => ({ labels: { result }, value: Number(n) })),
    );
  }

  /** A gauge whose values come from the cluster reading of this scrape (none when Redis is away). */
  private gauge(name: string, help: string, labelNames: string[], fill: (r: ClusterReading, set: (labels: Record<string, string>, value: number) => void) => void): void {
    const exporter = this;
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        const reading = await exporter.cluster();
        if (reading) fill(reading, (labels, value) => this.set(labels, value));
      },
    });
  }

  /** A series kept in Redis as plain counters (prom-client has no way to load a histogram or counter). */
  private fromRedis(
    name: string,
    type: 'histogram' | 'counter',
    help: string,
    values: (r: ClusterReading) => { metricName?: string; labels: Record<string, string | number>; value: number }[],
  ): void {
    const metric = {
      name,
      help,
      type,
      aggregator: 'sum',
      get: async () => {
        const reading = await this.cluster();
        return { name, help, type, aggregator: 'sum', values: reading ? values(reading) : [] };
      },
    };
    this.registry.registerMetric(metric as unknown as Metric);
  }

  /** One reading of Redis shared by every series of a scrape (they are collected in parallel). */
  private cluster(): Promise<ClusterReading | null> {
    this.reading ??= withTimeout(this.readCluster(), REDIS_TIMEOUT_MS).catch(() => null);
    return this.reading;
  }

  private async readCluster(): Promise<ClusterReading> {
    const client = this.redis.client;
    const stagePairs = QUEUE_NAMES.flatMap((stage) => STAGE_OUTCOMES.map((outcome) => ({ stage, outcome })));
    const pipe = client.pipeline();
    for (const { stage, outcome } of stagePairs) pipe.hgetall(metricsKeys.stageDuration(stage, outcome));
    pipe.hgetall(metricsKeys.webhookDeliveries);
    pipe.hgetall(metricsKeys.jobsEnded);
    pipe.hgetall(metricsKeys.repairs);
    const [jobs, queues, workers, rows] = await Promise.all([this.users.ids().then((owners) => countUnfinishedJobs(client, owners)), this.queueCounts(), liveWorkers(client), pipe.exec()]);
    const hashes = (rows ?? []).map(([err, v]) => (err ? {} : (v as Record<string, string>)));
    return {
      jobs,
      queues,
      workers,
      stages: stagePairs.map((p, i) => ({ ...p, stored: hashes[i] ?? {} })),
      webhooks: hashes[stagePairs.length] ?? {},
      jobsEnded: hashes[stagePairs.length + 1] ?? {},
      repairs: hashes[stagePairs.length + 2] ?? {},
    };
  }

  private queueCounts(): Promise<ClusterReading['queues']> {
    return Promise.all(this.queues.map(async (q) => ({ queue: q.name, counts: await q.getJobCounts(...QUEUE_STATES) })));
  }
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
