// The REST API as a test calls it: log in, then get/post/del with a bearer token; every answer's
// body is typed from the route (./api-routes), and every error code checked against the one list.
import { isApiErrorCode } from '../../src/http/api-error-codes';
import type { User } from '../../src/users/user.types';
import type { BodyOf, ResponseOf } from './api-routes';

export type { ApiErrorBody, HealthReport, Items, JobPage } from './api-routes';

export const ADMIN_USERNAME = 'admin';
export const ADMIN_PASSWORD = 'admin-test-password';

/** Name=value of the first Set-Cookie header. */
function firstCookie(headers: Headers): string {
  const all = typeof headers.getSetCookie === 'function' ? headers.getSetCookie() : [];
  const raw = all[0] ?? headers.get('set-cookie') ?? '';
  return raw.split(';')[0].trim();
}

export interface LoginResult {
  token: string;
  /** "name=value" of the session cookie, ready for a Cookie header. */
  cookie: string;
  user?: User;
}

/** POST /api/auth/login; throws (with status and body) unless it succeeds. */
export async function login(
  baseUrl: string,
  username: string = ADMIN_USERNAME,
  password: string = ADMIN_PASSWORD,
): Promise<LoginResult> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`login as ${username} failed: ${res.status} ${text}`);
  let body: { token?: unknown; user?: User };
  try {
    body = JSON.parse(text) as { token?: unknown; user?: User };
  } catch {
    throw new Error(`login answered ${res.status} with non-JSON: ${text}`);
  }
  if (typeof body.token !== 'string') throw new Error(`login answered without a token: ${text}`);
  return { token: body.token, cookie: firstCookie(res.headers), user: body.user };
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: BodyOf<T>;
  headers: Headers;
}

export interface ApiHelpers {
  baseUrl: string;
  get<P extends string>(path: P): Promise<ApiResponse<ResponseOf<'GET', P>>>;
  post<P extends string>(path: P, body?: unknown): Promise<ApiResponse<ResponseOf<'POST', P>>>;
  del<P extends string>(path: P): Promise<ApiResponse<ResponseOf<'DELETE', P>>>;
  /** Any method, extra headers (e.g. a Cookie instead of the token). */
  request<M extends string, P extends string>(method: M, path: P, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<ResponseOf<M, P>>>;
}

/** JSON when the response says JSON, text otherwise ('' for an empty body). */
export async function parseBody(res: Response): Promise<unknown> {
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  if (/[/+]json\b/i.test(type) && text.length > 0) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** fetch helpers with `Authorization: Bearer <token>` (token may be '' for anonymous calls). */
export function api(baseUrl: string, token: string): ApiHelpers {
  const request = async <T>(method: string, p: string, body?: unknown, extra: Record<string, string> = {}): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    Object.assign(headers, extra);
    const res = await fetch(`${baseUrl}${p.startsWith('/') ? p : `/${p}`}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = { status: res.status, body: (await parseBody(res)) as BodyOf<T>, headers: res.headers };
    // Every suite's error answers carry a code from the one list the document's enum is made of.
    const code: unknown = typeof answer.body === 'object' && answer.body && 'code' in answer.body ? answer.body.code : undefined;
    if (answer.status >= 400 && code !== undefined && !isApiErrorCode(code)) {
      throw new Error(`${method} ${p} answered ${answer.status} with code ${JSON.stringify(code)}, not in src/http/api-error-codes.ts`);
    }
    return answer;
  };
  return {
    baseUrl,
    request,
    get: (p) => request('GET', p),
    post: (p, body) => request('POST', p, body),
    del: (p) => request('DELETE', p),
  };
}

/** Someone logged in: their API client, their session, who they are. */
export interface Person extends ApiHelpers {
  id: string;
  username: string;
  password: string;
  token: string;
  /** "name=value" of the session cookie. */
  cookie: string;
}

/** The password the suites give a user they make (the admin's is ADMIN_PASSWORD). */
export const passwordOf = (username: string): string => (username === ADMIN_USERNAME ? ADMIN_PASSWORD : `${username}-password`);

/** Logs in at `baseUrl` (as the admin unless told) and returns that person's client. */
export async function logInAs(baseUrl: string, username: string = ADMIN_USERNAME, password: string = passwordOf(username)): Promise<Person> {
  const session = await login(baseUrl, username, password);
  return { ...api(baseUrl, session.token), id: session.user?.id ?? '', username, password, token: session.token, cookie: session.cookie };
}

/** The admin makes an account (role user), which then logs in; throws unless it was made (201). */
export async function addUser(admin: ApiHelpers, username: string, password: string = passwordOf(username)): Promise<Person> {
  const made = await admin.post('/api/users', { username, password, role: 'user' });
  if (made.status !== 201) throw new Error(`POST /api/users ${username} answered ${made.status}: ${JSON.stringify(made.body)}`);
  return logInAs(admin.baseUrl, username, password);
}
