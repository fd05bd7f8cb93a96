import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CurrentUser } from '../auth/auth.guard';
import { SessionService } from '../auth/session.service';
import type { AuthUser } from '../users/user.types';
import { JobStore } from '../jobs/job.store';
import { isFinalState, JobSnapshot } from '../jobs/job.types';
import { JobsService } from '../jobs/jobs.service';
import { JobEventsRelay } from './job-events.relay';

/** The same live stream as the socket, over plain HTTP (SSE): `curl -N` shows a job's life. */
@Controller('api/jobs')
export class JobEventsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly store: JobStore,
    private readonly relay: JobEventsRelay,
    private readonly sessions: SessionService,
  ) {}

  @Get(':id/events')
  async stream(@CurrentUser() user: AuthUser, @Param('id') id: string, @Req() req: Request, @Res() res: Response) {
    await this.jobs.visible(user, id); // 404 before any byte of the stream
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
      clearInterval(heartbeat);
      res.end();
    };
    const send = (job: JobSnapshot) => {
      if (!open || job.seq <= lastSeq) return;
      lastSeq = job.seq;
      res.write(`event: job\nid: ${job.seq}\ndata: ${JSON.stringify(job)}\n\n`);
      if (isFinalState(job.state)) close();
    };
    // Listen first, then read the current snapshot: nothing falls between the two.
    const unsubscribe = this.relay.onJob(id, send);
    const forgetRevocations = this.sessions.onRevoked((r) => {
      if (r.userId === user.id && (!r.sessionDigest || r.sessionDigest === user.sessionDigest)) close();
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15000);
    req.on('close', close);
    const current = await this.store.get(id);
    if (current) send(current);
    else close();
  }
}
