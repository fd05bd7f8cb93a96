import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { z } from 'zod';
import { AdminOnly } from '../auth/auth.guard';
import { SessionService } from '../auth/session.service';
import { parseOr400 } from '../http/validate';
import { JobsService } from '../jobs/jobs.service';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';
import { newPasswordSchema, usernameSchema } from './user.types';
import { UsersService } from './users.service';
import { crashPoint } from '../ops/crash-point';

const roleSchema = z.enum(['admin', 'user'], { message: 'role must be admin or user' });
export const createSchema = z.object({ username: usernameSchema, password: newPasswordSchema, role: roleSchema.default('user') });
export const patchSchema = z
  .object({ password: newPasswordSchema.optional(), role: roleSchema.optional(), disabled: z.boolean().optional() })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'give at least one of password, role, disabled');

/** Account management, for admins. */
@AdminOnly()
@Controller('api/users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly jobs: JobsService,
    private readonly subscriptions: SubscriptionsService,
  ) {}

  @Post()
  create(@Body() body: unknown) {
    const { username, password, role } = parseOr400(createSchema, body);
    return this.users.create(username, password, role);
  }

  @Get()
  async list() {
    return { items: await this.users.list() };
  }

  /** A new password, a role change or disabling ends every session of the account at once. */
  @Patch(':id')
  async update(@Param('id') id: string, @Body() body: unknown) {
    const patch = parseOr400(patchSchema, body);
    const user = await this.users.update(id, patch);
    await this.sessions.revokeAll(id);
    return user;
  }

  /** The account goes, and with it its sessions, its jobs (running ones are stopped) and their media. */
  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    const user = await this.users.remove(id);
    crashPoint('account.removed'); // its jobs are left for the reconciler, its subscriptions end at their next check
    await this.sessions.revokeAll(user.id);
    await this.jobs.removeAllOf(user.id);
    await this.subscriptions.removeAllOf(user.id);
  }
}
