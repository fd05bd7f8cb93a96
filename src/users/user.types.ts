import { z } from 'zod';

export type UserRole = 'admin' | 'user';

export interface User {
  id: string;
  username: string;
  role: UserRole;
  disabled: boolean;
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

/**
 * The session token and where it came from: `Authorization: Bearer …` first, else the session
 * cookie; pure. The source matters: only the cookie rides along on cross-site requests.
 */
export function sessionTokenFrom(headers: { authorization?: string; cookie?: string }): { token: string; viaCookie: boolean } | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  if (bearer) return { token: bearer[1], viaCookie: false };
  for (const part of (headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name !== SESSION_COOKIE) continue;
    try {
      return { token: decodeURIComponent(value.join('=')), viaCookie: true };
    } catch {
      return null; // malformed percent-encoding: no session, never an exception
    }
  }
  return null;
}

export const usernameSchema = z
  .string({ message: 'username is required' })
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'username must be 1–64 letters, digits, dots, dashes or underscores');
export const newPasswordSchema = z
  .string({ message: 'password is required' })
  .min(8, 'the password must be at least 8 characters')
  .max(1024, 'the password must be at most 1024 characters');

const roleSchema = z.enum(['admin', 'user'], { message: 'role must be admin or user' });
/** POST /api/users */
export const createUserSchema = z.object({ username: usernameSchema, password: newPasswordSchema, role: roleSchema.default('user') });
/** PATCH /api/users/:id */
export const patchUserSchema = z
  .object({ password: newPasswordSchema.optional(), role: roleSchema.optional(), disabled: z.boolean().optional() })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'give at least one of password, role, disabled');
