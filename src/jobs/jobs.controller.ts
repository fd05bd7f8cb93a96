import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { CurrentUser } from '../auth/auth.guard';
import type { AuthUser } from '../users/user.types';
import { parseOr400 } from '../http/validate';
import { JOB_FORMATS, JOB_STATES } from './job.types';
import { JobsService } from './jobs.service';

export const createSchema = z.object({
  url: z.string({ message: 'url is required: the address of a video page or file' }),
  format: z.enum(JOB_FORMATS, { message: `format must be one of ${JOB_FORMATS.join(', ')}` }).default('best'),
  // false: a playlist's first video only, never a collection.
  playlist: z.boolean({ message: 'playlist must be true or false' }).default(true),
});

export const listSchema = z.object({
  // `?state=` (empty) means no filter, as a form would send it.
  state: z.preprocess((v) => (v === '' ? undefined : v), z.enum(JOB_STATES, { message: `state must be one of ${JOB_STATES.join(', ')}` }).optional()),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.coerce.number({ message: 'cursor must be a value from nextCursor' }).int().positive().optional(),
  // A collection's children instead of the top level; an id that is not one of yours answers 404.
  parentId: z.string().min(1).optional(),
});

@Controller('api/jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Post()
  create(@CurrentUser() user: AuthUser, @Body() body: unknown) {
    const input = parseOr400(createSchema, body);
    return this.jobs.create(user, input);
  }

  @Get()
  async list(@CurrentUser() user: AuthUser, @Query() query: unknown) {
    const q = parseOr400(listSchema, query);
    const page = await this.jobs.list(user, q);
    return page;
  }

  @Get(':id')
  get(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    return this.jobs.visible(user, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    return this.jobs.cancel(user, id);
  }

  @Post(':id/retry')
  @HttpCode(200)
  retry(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    return this.jobs.retry(user, id);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<void> {
    await this.jobs.remove(user, id);
  }
}
