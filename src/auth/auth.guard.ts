import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { AuthUser } from '../users/user.types';
import { authorizeRequest } from './authorize';
import { SessionService } from './session.service';

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
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true; // sockets authenticate at the handshake
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const targets = [context.getHandler(), context.getClass()];
    const access = this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)
      ? 'public'
      : this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, targets)
        ? 'admin'
        : 'user';
    const user = await authorizeRequest(req, this.sessions, this.config.corsOrigins, access);
    if (user) req.user = user;
    return true;
  }
}

export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthUser => ctx.switchToHttp().getRequest<AuthedRequest>().user,
);
