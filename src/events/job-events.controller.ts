import { Controller, Get, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentUser } from '../auth/auth.guard';
import { SessionService } from '../auth/session.service';
import type { AuthUser } from '../users/user.types';
import { JobRecords } from '../jobs/job-records';
import { isFinalState, JobSnapshot } from '../jobs/job.types';
import { JobsService } from '../jobs/jobs.service';
import { JobEventsRelay } from './job-events.relay';

const HEARTBEAT_MS = 10_000;

/** The same live stream as the socket, over plain HTTP (SSE): `curl -N` shows a job's life. */
@Controller('api/jobs')
export class JobEventsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly store: JobRecords,
    private readonly relay: JobEventsRelay,
    private readonly sessions: SessionService,
  ) {}

  @Get(':id/events')
  async stream(@CurrentUser() user: AuthUser, @Param('id') id: string, @Res() res: Response) {
    await this.jobs.visible(user, id); // 404 before any byte of the stream
    if (res.destroyed) return; // the client left while we checked
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no', // nginx: do not buffer the stream
    });
    let lastSeq = 0;
    let open = true;
    const close = () => {
      if (!open) return;
      open = false;
      unsubscribe();
      forgetRevocations();
      forgetRemoval();
      clearInterval(heartbeat);
      res.end();
    };
    const send = (job: JobSnapshot, json = JSON.stringify(job)) => {
      if (!open || job.seq <= lastSeq) return;
      lastSeq = job.seq;
      res.write(`event: job\nid: ${job.seq}\ndata: ${json}\n\n`);
      if (isFinalState(job.state)) close();
    };
    // Listen first, then read the current snapshot: nothing falls between the two.
    const unsubscribe = this.relay.onJob(id, send);
    const forgetRemoval = this.relay.onRemoved((removed) => removed.id === id && close());
    const forgetRevocations = this.sessions.onRevoked((r) => {
      if (r.userId === user.id && (!r.sessionDigest || r.sessionDigest === user.sessionDigest)) close();
    });
    // Redis pub/sub delivers at most once: each heartbeat also re-reads the job, so a missed
    // event (say, during a reconnect) is caught up within seconds and the stream still ends.
    // It also ends the stream once the session has expired.
    const heartbeat = setInterval(() => {
      res.write(': keep-alive\n\n');
      void this.sessions.remainingMs(user.sessionDigest).then((ms) => ms === 0 && close(), () => undefined);
      void this.store.get(id).then((job) => (job ? send(job) : close()), () => undefined);
    }, HEARTBEAT_MS);
    // The response's close, not the request's: Node ends a request once its (empty) body is read.
    res.on('close', close);
    const current = await this.store.get(id).catch(() => null);
    if (current) send(current);
    else close();
  }
}
