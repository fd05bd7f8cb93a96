export type UserRole = 'admin' | 'user';

export interface User {
  id: string;
  username: string;
  role: UserRole;
  createdAt: string;
}

/** What a request or socket carries once its session is verified. */
export interface AuthUser {
  id: string;
  username: string;
  role: UserRole;
  sessionDigest: string;
}

export const SESSION_COOKIE = 'vp_session';

/** The session token from `Authorization: Bearer …` or the session cookie; pure. */
export function tokenFromHeaders(headers: { authorization?: string; cookie?: string }): string | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  if (bearer) return bearer[1];
  for (const part of (headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return decodeURIComponent(value.join('='));
  }
  return null;
}
