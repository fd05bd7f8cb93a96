import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { Module } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AuthModule } from '../auth/auth.module';
import { SessionService } from '../auth/session.service';
import { QueueName } from '../pipeline/queues';
import { APP_CONFIG, AppConfig } from '../config/config';
import { isTrustedOrigin, SAFE_METHODS } from '../http/same-origin';
import { sessionTokenFrom } from '../users/user.types';

export const BULL_BOARD_ROUTE = '/admin/queues';

/** Bull Board's page and its own JSON API: admins only (401 without a session, 403 for users). */
function adminOnly(sessions: SessionService, corsOrigins: readonly string[]) {
  return (req: Request, res: Response, next: NextFunction) => {
    const session = sessionTokenFrom(req.headers);
    // Its API changes queues (add, retry, clean): the same cross-site rule as ours.
    if ((session?.viaCookie ?? true) && !SAFE_METHODS.has(req.method) && !isTrustedOrigin(req.headers, corsOrigins)) {
      return void res.status(403).json({ statusCode: 403, error: 'Forbidden', message: 'This request came from another site and was refused.', code: 'cross_site_request' });
    }
    sessions
      .verify(session?.token ?? null)
      .then((user) => {
        if (!user) return void res.status(401).json({ statusCode: 401, error: 'Unauthorized', message: 'Log in first: this needs a valid session.', code: 'unauthorized' });
        if (user.role !== 'admin') return void res.status(403).json({ statusCode: 403, error: 'Forbidden', message: 'Only an admin can do this.', code: 'forbidden' });
        next();
      })
      .catch(next);
  };
}

@Module({
  imports: [
    BullBoardModule.forRootAsync({
      imports: [AuthModule],
      inject: [SessionService, APP_CONFIG],
      useFactory: (sessions: SessionService, config: AppConfig) => ({
        route: BULL_BOARD_ROUTE,
        adapter: ExpressAdapter,
        middleware: adminOnly(sessions, config.corsOrigins),
        boardOptions: { uiConfig: { boardTitle: 'vidpipe queues' } },
      }),
    }),
    BullBoardModule.forFeature(
      ...Object.values(QueueName).map((name) => ({ name, adapter: BullMQAdapter })),
    ),
  ],
})
export class AdminModule {}
