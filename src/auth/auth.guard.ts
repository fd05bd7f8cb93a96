import { CanActivate, ExecutionContext, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ApiError } from '../http/api-error';
import { SessionService } from './session.service';
import { AuthUser, tokenFromHeaders } from '../users/user.types';

const PUBLIC = 'vidpipe:public';
const ADMIN_ONLY = 'vidpipe:admin-only';
/** Marks a route that needs no session (login, health). Everything else does. */
export const Public = () => SetMetadata(PUBLIC, true);
/** Marks a route (or controller) for admins only; others get 403. */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);

export type AuthedRequest = Request & { user: AuthUser };

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly sessions: SessionService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true; // sockets authenticate at the handshake
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const user = await this.sessions.verify(tokenFromHeaders(req.headers));
    if (!user) throw new ApiError(401, 'unauthorized', 'Log in first: this needs a valid session.');
    req.user = user;
    if (this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, [context.getHandler(), context.getClass()]) && user.role !== 'admin') {
      throw new ApiError(403, 'forbidden', 'Only an admin can do this.');
    }
    return true;
  }
}

export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthUser => ctx.switchToHttp().getRequest<AuthedRequest>().user,
);
