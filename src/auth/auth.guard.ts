import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ApiError } from '../http/api-error';
import { isTrustedOrigin, SAFE_METHODS } from '../http/same-origin';
import { SessionService } from './session.service';
import { AuthUser, sessionTokenFrom } from '../users/user.types';

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
    const session = sessionTokenFrom(req.headers);
    // The cookie rides along on cross-site requests; a bearer token never does.
    const viaCookie = session?.viaCookie ?? true;
    if (viaCookie && !SAFE_METHODS.has(req.method) && !isTrustedOrigin(req.headers, this.config.corsOrigins)) {
      throw new ApiError(403, 'cross_site_request', 'This request came from another site and was refused.');
    }
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const user = await this.sessions.verify(session?.token ?? null);
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
