// What each route answers, as a type looked up from the method and the path a test calls: the
// path's literal (or template) type picks the body, e.g. GET `/api/jobs/${id}` → JobSnapshot.
// Types only, from src (one source); a route not listed here answers UnlistedBody (cast where needed).
import type { CookiesStatus } from '../../src/cookies/cookies.service';
import type { ApiErrorCode } from '../../src/http/api-error-codes';
import type { JobSnapshot, MessageParams } from '../../src/jobs/job.types';
import type { Subscription } from '../../src/subscriptions/subscription.types';
import type { User } from '../../src/users/user.types';
import type { PublicWebhook, Webhook, WebhookDelivery } from '../../src/webhooks/webhook.types';
import type { WorkerHeartbeat } from '../../src/workers/worker-keys';

/** An error answer (ApiError): a stable code for machines, a sentence for people. */
export interface ApiErrorBody {
  statusCode: number;
  code: ApiErrorCode;
  message: string;
  params?: MessageParams;
}

export interface Items<T> {
  items: T[];
}

/** GET /api/jobs: one page, newest first (a collection's children in playlist order). */
export interface JobPage extends Items<JobSnapshot> {
  nextCursor: string | null;
}

export interface Session {
  user: User;
  token: string;
}

/** @nestjs/terminus' report: each check's status and what it adds (versions, ages, messages). */
export interface HealthReport {
  status: 'ok' | 'error' | 'shutting_down';
  details: Record<string, { status: 'up' | 'down'; [detail: string]: unknown }>;
}

/** The body of a route not listed below (or a path the type system cannot read): fields of unknown type. */
export type UnlistedBody = Record<string, unknown>;

type PathOf<P extends string> = P extends `${infer Path}?${string}` ? Path : P;

type GetBody<P extends string> =
  P extends '/api/jobs' ? JobPage
  : P extends `/api/jobs/${string}/${string}` ? UnlistedBody // the file, the event stream
  : P extends `/api/jobs/${string}` ? JobSnapshot
  : P extends '/api/users' ? Items<User>
  : P extends '/api/me/cookies' ? CookiesStatus
  : P extends '/api/subscriptions' ? Items<Subscription>
  : P extends '/api/webhooks' ? Items<PublicWebhook>
  : P extends `/api/webhooks/${string}/deliveries` ? Items<WebhookDelivery>
  : P extends '/api/admin/workers' ? { workers: WorkerHeartbeat[] }
  : P extends '/api/auth/me' ? { user: Pick<User, 'id' | 'username' | 'role'> }
  : P extends '/api/health' | '/api/health/ready' ? HealthReport
  : P extends '/api/health/live' ? { status: 'ok' }
  : UnlistedBody;

type PostBody<P extends string> =
  P extends '/api/jobs' | `/api/jobs/${string}/cancel` | `/api/jobs/${string}/retry` ? JobSnapshot
  : P extends '/api/users' ? User
  : P extends '/api/subscriptions' | `/api/subscriptions/${string}/check` ? Subscription
  : P extends '/api/webhooks' ? Omit<Webhook, 'ownerId'>
  : P extends '/api/auth/login' | '/api/auth/password' ? Session
  : P extends '/api/admin/ytdlp/update' ? { workers: number }
  : UnlistedBody;

type PatchBody<P extends string> = P extends `/api/users/${string}` ? User : UnlistedBody;

/** The body of a success answer of `method path`. */
export type ResponseOf<M extends string, P extends string> =
  M extends 'GET' ? GetBody<PathOf<P>>
  : M extends 'POST' ? PostBody<PathOf<P>>
  : M extends 'PATCH' ? PatchBody<PathOf<P>>
  : UnlistedBody;

/**
 * What a test reads from a body: the route's answer, and the error's code and sentence (typed as
 * present: a test reads them once it has seen a 4xx or 5xx).
 */
export type BodyOf<T> = T & Pick<ApiErrorBody, 'code' | 'message'> & Partial<ApiErrorBody>;
