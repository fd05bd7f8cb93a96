import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { Module } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AuthModule } from '../auth/auth.module';
import { authorizeRequest } from '../auth/authorize';
import { SessionService } from '../auth/session.service';
import { ALL_QUEUE_NAMES } from '../queue-names';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ApiError } from '../http/api-error';

export const BULL_BOARD_ROUTE = '/admin/queues';

/** Bull Board's page and its own JSON API: admins only, by the same rule as our routes. */
function adminOnly(sessions: SessionService, corsOrigins: readonly string[]) {
  return (req: Request, res: Response, next: NextFunction) => {
    authorizeRequest(req, sessions, corsOrigins, 'admin').then(
      () => next(),
      (err: unknown) => (err instanceof ApiError ? void res.status(err.getStatus()).json(err.getResponse()) : next(err)),
    );
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
      ...ALL_QUEUE_NAMES.map((name) => ({ name, adapter: BullMQAdapter })),
    ),
  ],
})
export class AdminModule {}
