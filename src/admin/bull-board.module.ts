import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { Module } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AuthModule } from '../auth/auth.module';
import { SessionService } from '../auth/session.service';
import { QueueName } from '../pipeline/queues';
import { tokenFromHeaders } from '../users/user.types';

export const BULL_BOARD_ROUTE = '/admin/queues';

/** Bull Board's page and its own JSON API: admins only (401 without a session, 403 for users). */
function adminOnly(sessions: SessionService) {
  return (req: Request, res: Response, next: NextFunction) => {
    sessions
      .verify(tokenFromHeaders(req.headers))
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
      inject: [SessionService],
      useFactory: (sessions: SessionService) => ({
        route: BULL_BOARD_ROUTE,
        adapter: ExpressAdapter,
        middleware: adminOnly(sessions),
        boardOptions: { uiConfig: { boardTitle: 'vidpipe queues' } },
      }),
    }),
    BullBoardModule.forFeature(
      ...Object.values(QueueName).map((name) => ({ name, adapter: BullMQAdapter })),
    ),
  ],
})
export class AdminModule {}
