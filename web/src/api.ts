// The REST API as the browser uses it: same origin, the session cookie, JSON errors with a code
// and a sentence. A 401 on any call but login means the session ended elsewhere: listeners hear it.
import { type ApiErrorCode, isApiErrorCode } from '@server/http/api-error-codes';
import type { JobFormat, JobSnapshot, JobState, MessageParams } from '@server/jobs/job.types';
import type { User, UserRole } from '@server/users/user.types';
import type { Subscription } from '@server/subscriptions/subscription.types';
import type { PublicWebhook, WebhookDelivery, WebhookEvent } from '@server/webhooks/webhook.types';
import type { WorkerHeartbeat } from '@server/workers/worker-keys';

export type { Subscription, PublicWebhook, WebhookDelivery, WebhookEvent, WorkerHeartbeat };

/** `details.ytdlp` of GET /api/health: the yt-dlp the next job gets (`status` down: its check failed, `message` says how). */
export interface YtdlpHealth {
  status: string;
  version?: string | null;
  ageDays?: number | null;
  managed?: boolean;
  stale?: boolean;
  message?: string;
  messageKey?: string;
  messageParams?: MessageParams;
}

export interface Me {
  id: string;
  username: string;
  role: UserRole;
}

export interface JobPage {
  items: JobSnapshot[];
  nextCursor: string | null;
}

export interface CookiesStatus {
  present: boolean;
  domains: string[];
  updatedAt: string | null;
}

/** The server's codes (src/http/api-error-codes.ts), or the client's own: no answer, or an answer without a known code. */
export type ApiFailureCode = ApiErrorCode | 'unreachable' | 'http_error';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiFailureCode,
    message: string,
    /** The values in the server's sentence (a field and its limit…), to say it in another language. */
    readonly params: MessageParams = {},
  ) {
    super(message);
  }
}

const sessionEndedListeners = new Set<() => void>();
export function onSessionEnded(listener: () => void): () => void {
  sessionEndedListeners.add(listener);
  return () => sessionEndedListeners.delete(listener);
}

interface CallOptions {
  body?: unknown;
  /** Sent as it is, with this content type (a file). */
  raw?: { data: BodyInit; type: string };
  /** A 401 here is an answer, not a session that ended (login, the first "who am I"). */
  expect401?: boolean;
}

// A password change ends every session and answers with a fresh cookie: a request answered 401
// meanwhile (the socket's check, racing the answer) is sent again once the new cookie is set.
let renewing: Promise<unknown> | null = null;
let sessionEpoch = 0; // grows when the session cookie is replaced

async function call<T>(method: string, path: string, opts: CallOptions = {}, retried = false): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  let body: BodyInit | undefined;
  if (opts.raw) {
    headers['Content-Type'] = opts.raw.type;
    body = opts.raw.data;
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const sentInEpoch = sessionEpoch;
  let res: Response;
  try {
    res = await fetch(path, { method, credentials: 'same-origin', headers, body });
  } catch {
    throw new ApiFailure(0, 'unreachable', '');
  }
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as { message?: string; code?: string; params?: MessageParams };
  if (!res.ok) {
    if (res.status === 401 && !opts.expect401 && !retried && (renewing || sessionEpoch !== sentInEpoch)) {
      await renewing?.catch(() => undefined);
      return call<T>(method, path, opts, true);
    }
    if (res.status === 401 && !opts.expect401) sessionEndedListeners.forEach((l) => l());
    const code = isApiErrorCode(data.code) ? data.code : 'http_error';
    throw new ApiFailure(res.status, code, data.message ?? `The server answered ${res.status}.`, code === 'http_error' ? {} : (data.params ?? {}));
  }
  return data as T;
}

const query = (params: Record<string, string | number | undefined>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  return q.toString();
};

export const api = {
  me: () => call<{ user: Me }>('GET', '/api/auth/me', { expect401: true }).then((r) => r.user),
  /** Who am I, when a 401 means the session just ended (told to onSessionEnded listeners). */
  stillSignedIn: () => call<{ user: Me }>('GET', '/api/auth/me').then((r) => r.user),
  login: (username: string, password: string) =>
    call<{ user: Me }>('POST', '/api/auth/login', { body: { username, password }, expect401: true }).then((r) => r.user),
  logout: () => call<void>('POST', '/api/auth/logout', { expect401: true }),
  changePassword: (currentPassword: string, newPassword: string) => {
    const request = call<{ user: Me }>('POST', '/api/auth/password', { body: { currentPassword, newPassword } });
    renewing = request;
    const done = () => {
      if (renewing === request) renewing = null;
    };
    request.then(() => {
      sessionEpoch++;
      done();
    }, done);
    return request.then((r) => r.user);
  },

  jobs: (q: { state?: JobState; limit: number; cursor?: string; parentId?: string }) => call<JobPage>('GET', `/api/jobs?${query(q)}`),
  job: (id: string) => call<JobSnapshot>('GET', `/api/jobs/${encodeURIComponent(id)}`),
  create: (url: string, format: JobFormat) => call<JobSnapshot>('POST', '/api/jobs', { body: { url, format } }),
  cancel: (id: string) => call<JobSnapshot>('POST', `/api/jobs/${encodeURIComponent(id)}/cancel`),
  retry: (id: string) => call<JobSnapshot>('POST', `/api/jobs/${encodeURIComponent(id)}/retry`),
  remove: (id: string) => call<void>('DELETE', `/api/jobs/${encodeURIComponent(id)}`),

  cookies: () => call<CookiesStatus>('GET', '/api/me/cookies'),
  putCookies: (file: Blob) => call<void>('PUT', '/api/me/cookies', { raw: { data: file, type: 'text/plain' } }),
  removeCookies: () => call<void>('DELETE', '/api/me/cookies'),

  subscriptions: () => call<{ items: Subscription[] }>('GET', '/api/subscriptions').then((r) => r.items),
  subscribe: (url: string, format: JobFormat, intervalMinutes: number) => call<Subscription>('POST', '/api/subscriptions', { body: { url, format, intervalMinutes } }),
  checkSubscription: (id: string) => call<unknown>('POST', `/api/subscriptions/${encodeURIComponent(id)}/check`),
  removeSubscription: (id: string) => call<void>('DELETE', `/api/subscriptions/${encodeURIComponent(id)}`),

  webhooks: () => call<{ items: PublicWebhook[] }>('GET', '/api/webhooks').then((r) => r.items),
  addWebhook: (url: string, events: WebhookEvent[], secret?: string) =>
    call<PublicWebhook & { secret: string }>('POST', '/api/webhooks', { body: { url, events, ...(secret ? { secret } : {}) } }),
  removeWebhook: (id: string) => call<void>('DELETE', `/api/webhooks/${encodeURIComponent(id)}`),
  deliveries: (id: string) => call<{ items: WebhookDelivery[] }>('GET', `/api/webhooks/${encodeURIComponent(id)}/deliveries`).then((r) => r.items),

  workers: () => call<{ workers: WorkerHeartbeat[] }>('GET', '/api/admin/workers').then((r) => r.workers),
  updateYtdlp: () => call<{ workers: number }>('POST', '/api/admin/ytdlp/update'),
  /** The health answer is 503 when something is down, and still carries its details then. */
  ytdlpHealth: async (): Promise<YtdlpHealth | null> => {
    const res = await fetch('/api/health', { credentials: 'same-origin', headers: { Accept: 'application/json' } }).catch(() => null);
    const body = (await res?.json().catch(() => null)) as { details?: { ytdlp?: YtdlpHealth } } | null;
    return body?.details?.ytdlp ?? null;
  },

  users: () => call<{ items: User[] }>('GET', '/api/users').then((r) => r.items),
  createUser: (username: string, password: string, role: UserRole) => call<User>('POST', '/api/users', { body: { username, password, role } }),
  updateUser: (id: string, patch: { password?: string; role?: UserRole; disabled?: boolean }) =>
    call<User>('PATCH', `/api/users/${encodeURIComponent(id)}`, { body: patch }),
  removeUser: (id: string) => call<void>('DELETE', `/api/users/${encodeURIComponent(id)}`),
};
