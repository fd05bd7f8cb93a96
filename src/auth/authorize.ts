import type { Request } from 'express';
import { ApiError } from '../http/api-error';
import { isTrustedOrigin, SAFE_METHODS } from '../http/same-origin';
import { AuthUser, sessionTokenFrom } from '../users/user.types';
import type { SessionService } from './session.service';

/**
 * The one rule for an HTTP request, used by AuthGuard and by Bull Board's own router: a
 * state-changing request made with the cookie must come from a trusted page; then (unless the
 * route is public) a valid session, and for admin routes an admin. Throws an ApiError.
 */
export async function authorizeRequest(
  req: Request,
  sessions: SessionService,
  corsOrigins: readonly string[],
  access: 'public' | 'user' | 'admin',
): Promise<AuthUser | null> {
  const session = sessionTokenFrom(req.headers);
  // The cookie rides along on cross-site requests; a bearer token never does.
  const viaCookie = session?.viaCookie ?? true;
  if (viaCookie && !SAFE_METHODS.has(req.method) && !isTrustedOrigin(req.headers, corsOrigins)) {
    throw new ApiError(403, 'cross_site_request', 'This request came from another site and was refused.');
  }
  if (access === 'public') return null;
  const user = await sessions.verify(session?.token ?? null);
  if (!user) throw new ApiError(401, 'unauthorized', 'Log in first: this needs a valid session.');
  if (access === 'admin' && user.role !== 'admin') throw new ApiError(403, 'forbidden', 'Only an admin can do this.');
  return user;
}
