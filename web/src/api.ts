// The REST API as the browser uses it: same origin, the session cookie, JSON errors with a sentence.
import type { JobFormat, JobSnapshot } from '@server/jobs/job.types';

export interface Me {
  id: string;
  username: string;
  role: 'admin' | 'user';
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiFailure(res.status, (data as { message?: string }).message ?? `The server answered ${res.status}.`);
  return data as T;
}

export const api = {
  me: () => call<{ user: Me }>('GET', '/api/auth/me').then((r) => r.user),
  login: (username: string, password: string) => call<{ user: Me }>('POST', '/api/auth/login', { username, password }).then((r) => r.user),
  logout: () => call<void>('POST', '/api/auth/logout'),
  jobs: () => call<{ items: JobSnapshot[] }>('GET', '/api/jobs?limit=50').then((r) => r.items),
  create: (url: string, format: JobFormat) => call<JobSnapshot>('POST', '/api/jobs', { url, format }),
  cancel: (id: string) => call<JobSnapshot>('POST', `/api/jobs/${id}/cancel`),
  retry: (id: string) => call<JobSnapshot>('POST', `/api/jobs/${id}/retry`),
  remove: (id: string) => call<void>('DELETE', `/api/jobs/${id}`),
};
