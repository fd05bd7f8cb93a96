import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { CurrentUser } from '../auth/auth.guard';
import { parseOr400 } from '../http/validate';
import { JOB_FORMATS } from '../jobs/job.types';
import type { AuthUser } from '../users/user.types';
import { DEFAULT_INTERVAL_MINUTES } from './subscription.types';
import { SubscriptionsService } from './subscriptions.service';

export const createSchema = z.object({
  url: z.string({ message: 'url is required: the address of a playlist or channel' }),
  format: z.enum(JOB_FORMATS, { message: `format must be one of ${JOB_FORMATS.join(', ')}` }).default('best'),
  // The lower bound depends on SUBSCRIPTION_MIN_INTERVAL_MINUTES: the service says it in its sentence.
  intervalMinutes: z.number({ message: 'intervalMinutes must be a number of minutes' }).int('intervalMinutes must be a whole number').default(DEFAULT_INTERVAL_MINUTES),
});

/** A user's own subscriptions to playlists and channels: new entries become jobs on their own. */
@Controller('api/subscriptions')
export class SubscriptionsController {
  constructor(private readonly subscriptions: SubscriptionsService) {}

  @Post()
  create(@CurrentUser() user: AuthUser, @Body() body: unknown) {
    return this.subscriptions.create(user, parseOr400(createSchema, body));
  }

  @Get()
  list(@CurrentUser() user: AuthUser) {
    return this.subscriptions.list(user);
  }

  @Post(':id/check')
  @HttpCode(202)
  check(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    return this.subscriptions.checkNow(user, id);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<void> {
    await this.subscriptions.remove(user, id);
  }
}
