import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { AdminOnly } from '../auth/auth.guard';
import { SessionService } from '../auth/session.service';
import { parseOr400 } from '../http/validate';
import { crashPoint } from '../ops/crash-point';
import { createUserSchema, patchUserSchema } from '../users/user.types';
import { UsersService } from '../users/users.service';
import { AccountRemoval } from './account-removal';

/** Account management, for admins. */
@AdminOnly()
@Controller('api/users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly removal: AccountRemoval,
  ) {}

  @Post()
  create(@Body() body: unknown) {
    const { username, password, role } = parseOr400(createUserSchema, body);
    return this.users.create(username, password, role);
  }

  @Get()
  async list() {
    return { items: await this.users.list() };
  }

  /** A new password, a role change or disabling ends every session of the account at once. */
  @Patch(':id')
  async update(@Param('id') id: string, @Body() body: unknown) {
    const patch = parseOr400(patchUserSchema, body);
    const user = await this.users.update(id, patch);
    await this.sessions.revokeAll(id);
    return user;
  }

  /** The account goes, and with it its sessions, its jobs (running ones are stopped) and their media. */
  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    const user = await this.users.remove(id);
    crashPoint('account.removed'); // what it owned is left for the reconciler, which finishes the removal
    await this.removal.removeDataOf(user.id);
  }
}
