import { Module } from '@nestjs/common';
import { UsersService } from '../users/users.service';
import { SessionService } from './session.service';

/** Accounts and sessions, shared by the api module and Bull Board's guard. */
@Module({
  providers: [UsersService, SessionService],
  exports: [UsersService, SessionService],
})
export class AuthModule {}
