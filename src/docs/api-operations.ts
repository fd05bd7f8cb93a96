// Every HTTP route the api serves, with the very zod schemas its controller validates with:
// the OpenAPI document is built from this list, and test/docs.e2e.ts fails on a route missing here.
import { z } from 'zod';
import { loginSchema, passwordChangeSchema } from '../auth/auth.controller';
import { MAX_COOKIES_FILE_BYTES } from '../cookies/cookies-file';
import { createSchema as createJobSchema, listSchema as listJobsSchema } from '../jobs/jobs.controller';
import { createSchema as createSubscriptionSchema } from '../subscriptions/subscriptions.controller';
import { createUserSchema, patchUserSchema } from '../users/user.types';
import { createSchema as createWebhookSchema } from '../webhooks/webhooks.controller';
import * as s from './api-schemas';

export type Access = 'public' | 'user' | 'admin';
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ApiOperation {
  method: Method;
  /** OpenAPI style: `/api/jobs/{id}`. */
  path: string;
  tag: string;
  summary: string;
  access: Access;
  query?: z.ZodObject;
  /** A JSON body, validated by this schema with parseOr400; `example` must pass it. */
  body?: { schema: z.ZodType; example: Record<string, unknown> };
  /** A body that is not JSON (a file). */
  rawBody?: { contentType: string; description: string; maxBytes: number };
  success: { status: number; schema?: z.ZodType; contentType?: string; description: string };
  /** Error statuses the route's own code sends, all answered as ApiError; 500, and 400/401/403/413 that follow from its shape, are added by the document. */
  errors: number[];
}

const job = { status: 200, schema: s.jobSnapshotSchema, description: 'The job snapshot' };
const none = (description: string) => ({ status: 204, description });

export const API_OPERATIONS: ApiOperation[] = [
  // auth
  { method: 'post', path: '/api/auth/login', tag: 'auth', summary: 'Log in: sets the vp_session cookie and returns a bearer token', access: 'public',
    body: { schema: loginSchema, example: { username: 'admin', password: 'a long passphrase' } }, success: { status: 200, schema: s.sessionSchema, description: 'Signed in' }, errors: [400, 401, 429] },
  { method: 'post', path: '/api/auth/logout', tag: 'auth', summary: 'End this session', access: 'user', success: none('Signed out'), errors: [] },
  { method: 'post', path: '/api/auth/password', tag: 'auth', summary: 'Change your password: ends every session, returns a fresh one', access: 'user',
    body: { schema: passwordChangeSchema, example: { currentPassword: 'the old passphrase', newPassword: 'a new long passphrase' } }, success: { status: 200, schema: s.sessionSchema, description: 'Changed' }, errors: [400, 403, 429] },
  { method: 'get', path: '/api/auth/me', tag: 'auth', summary: 'Who the session belongs to', access: 'user', success: { status: 200, schema: s.meSchema, description: 'The signed-in user' }, errors: [] },
  // jobs
  { method: 'post', path: '/api/jobs', tag: 'jobs', summary: 'Download and stream a video (or a playlist: a collection)', access: 'user',
    body: { schema: createJobSchema, example: { url: 'https://example.com/watch/1', format: '720p', playlist: true } },
    success: { status: 201, schema: s.jobSnapshotSchema, description: 'Queued; follow it over socket.io or GET /api/jobs/{id}/events' }, errors: [400, 413, 429, 507] },
  { method: 'get', path: '/api/jobs', tag: 'jobs', summary: 'Your jobs, newest first (a collection\'s children with parentId)', access: 'user', query: listJobsSchema,
    success: { status: 200, schema: s.jobPageSchema, description: 'One page' }, errors: [400, 404] },
  { method: 'get', path: '/api/jobs/{id}', tag: 'jobs', summary: 'One job', access: 'user', success: job, errors: [404] },
  { method: 'post', path: '/api/jobs/{id}/cancel', tag: 'jobs', summary: 'Cancel a job (a collection: its children)', access: 'user', success: job, errors: [404, 409] },
  { method: 'post', path: '/api/jobs/{id}/retry', tag: 'jobs', summary: 'Retry a failed or cancelled job', access: 'user', success: job, errors: [404, 409, 413, 429, 507] },
  { method: 'delete', path: '/api/jobs/{id}', tag: 'jobs', summary: 'Delete a job and its media', access: 'user', success: none('Deleted'), errors: [404] },
  { method: 'get', path: '/api/jobs/{id}/events', tag: 'jobs', summary: 'The job\'s snapshots as Server-Sent Events (event: job), until it ends', access: 'user',
    success: { status: 200, contentType: 'text/event-stream', description: 'Each event\'s data is a JobSnapshot' }, errors: [404] },
  { method: 'get', path: '/api/jobs/{id}/file', tag: 'media', summary: 'The whole video as one MP4 (audio: M4A), as an attachment; ranges supported', access: 'user',
    success: { status: 200, contentType: 'video/mp4', description: 'The file (206 for a range)' }, errors: [404, 416] },
  { method: 'get', path: '/media/{jobId}/{file}', tag: 'media', summary: 'A job\'s HLS files (master.m3u8, playlists, segments, subtitles, poster)', access: 'user',
    success: { status: 200, contentType: 'application/vnd.apple.mpegurl', description: 'The file (206 for a range); the type follows the extension' }, errors: [404, 416] },
  // cookies
  { method: 'put', path: '/api/me/cookies', tag: 'cookies', summary: 'Upload your cookies.txt for sites that need a login', access: 'user',
    rawBody: { contentType: 'text/plain', description: 'A Netscape cookies.txt file', maxBytes: MAX_COOKIES_FILE_BYTES }, success: none('Stored, encrypted'), errors: [400, 413, 415] },
  { method: 'get', path: '/api/me/cookies', tag: 'cookies', summary: 'Whether you have cookies stored, and for which domains', access: 'user', success: { status: 200, schema: s.cookiesStatusSchema, description: 'Never a value' }, errors: [] },
  { method: 'delete', path: '/api/me/cookies', tag: 'cookies', summary: 'Remove your cookies', access: 'user', success: none('Removed'), errors: [] },
  // subscriptions
  { method: 'post', path: '/api/subscriptions', tag: 'subscriptions', summary: 'Follow a playlist or channel: new entries become jobs', access: 'user',
    body: { schema: createSubscriptionSchema, example: { url: 'https://example.com/channel/1', format: 'best', intervalMinutes: 360 } },
    success: { status: 201, schema: s.subscriptionSchema, description: 'Created and checked at once' }, errors: [400, 409] },
  { method: 'get', path: '/api/subscriptions', tag: 'subscriptions', summary: 'Your subscriptions', access: 'user', success: { status: 200, schema: s.listOf(s.subscriptionSchema), description: 'All of them' }, errors: [] },
  { method: 'post', path: '/api/subscriptions/{id}/check', tag: 'subscriptions', summary: 'Check now', access: 'user', success: { status: 202, schema: s.subscriptionSchema, description: 'A check is queued' }, errors: [404] },
  { method: 'delete', path: '/api/subscriptions/{id}', tag: 'subscriptions', summary: 'Stop following', access: 'user', success: none('Removed'), errors: [404] },
  // webhooks
  { method: 'post', path: '/api/webhooks', tag: 'webhooks', summary: 'Register a webhook (the secret is shown only in this answer)', access: 'user',
    body: { schema: createWebhookSchema, example: { url: 'https://example.com/hooks/vidpipe', events: ['job.completed', 'job.failed'], secret: 'a-shared-secret-of-32-characters' } },
    success: { status: 201, schema: s.webhookCreatedSchema, description: 'Registered' }, errors: [400, 409] },
  { method: 'get', path: '/api/webhooks', tag: 'webhooks', summary: 'Your webhooks (never a secret)', access: 'user', success: { status: 200, schema: s.listOf(s.webhookSchema), description: 'All of them' }, errors: [] },
  { method: 'delete', path: '/api/webhooks/{id}', tag: 'webhooks', summary: 'Remove a webhook', access: 'user', success: none('Removed'), errors: [404] },
  { method: 'get', path: '/api/webhooks/{id}/deliveries', tag: 'webhooks', summary: 'The last 20 deliveries', access: 'user', success: { status: 200, schema: s.listOf(s.webhookDeliverySchema), description: 'Newest first' }, errors: [404] },
  // users (admin)
  { method: 'post', path: '/api/users', tag: 'users', summary: 'Create an account', access: 'admin',
    body: { schema: createUserSchema, example: { username: 'docs-example', password: 'a long passphrase', role: 'user' } }, success: { status: 201, schema: s.userSchema, description: 'Created' }, errors: [400, 409] },
  { method: 'get', path: '/api/users', tag: 'users', summary: 'Every account', access: 'admin', success: { status: 200, schema: s.listOf(s.userSchema), description: 'All accounts' }, errors: [] },
  { method: 'patch', path: '/api/users/{id}', tag: 'users', summary: 'Change password, role or disabled (ends the account\'s sessions)', access: 'admin',
    body: { schema: patchUserSchema, example: { disabled: false } }, success: { status: 200, schema: s.userSchema, description: 'Updated' }, errors: [400, 404, 409, 503] },
  { method: 'delete', path: '/api/users/{id}', tag: 'users', summary: 'Delete an account with its sessions, jobs, media and subscriptions', access: 'admin', success: none('Deleted'), errors: [404, 409, 503] },
  // operations
  { method: 'get', path: '/api/health', tag: 'operations', summary: 'Redis, tools, disk and the yt-dlp in use', access: 'public', success: { status: 200, schema: s.healthSchema, description: 'Healthy' }, errors: [503] },
  { method: 'get', path: '/api/health/live', tag: 'operations', summary: 'The process answers', access: 'public', success: { status: 200, schema: z.object({ status: z.literal('ok') }), description: 'Alive' }, errors: [] },
  { method: 'get', path: '/api/health/ready', tag: 'operations', summary: 'Ready for traffic: Redis, and this process\'s tools', access: 'public', success: { status: 200, schema: s.healthSchema, description: 'Ready' }, errors: [503] },
  { method: 'get', path: '/metrics', tag: 'operations', summary: 'Prometheus metrics (Authorization: Bearer METRICS_TOKEN when that is set)', access: 'public',
    success: { status: 200, contentType: 'text/plain', description: 'Prometheus text format' }, errors: [401] },
  { method: 'get', path: '/api/admin/workers', tag: 'operations', summary: 'Every live worker, from its heartbeats', access: 'admin', success: { status: 200, schema: z.object({ workers: z.array(s.workerSchema) }), description: 'Live workers' }, errors: [] },
  { method: 'post', path: '/api/admin/ytdlp/update', tag: 'operations', summary: 'Every worker updates its managed yt-dlp between jobs', access: 'admin',
    success: { status: 202, schema: z.object({ workers: z.number().int() }), description: 'Asked' }, errors: [409] },
  { method: 'get', path: '/api/docs', tag: 'operations', summary: 'This document, in a browser', access: 'public', success: { status: 200, contentType: 'text/html', description: 'The OpenAPI UI' }, errors: [] },
  { method: 'get', path: '/api/docs/{asset}', tag: 'operations', summary: 'The UI\'s own files (swagger-ui-dist)', access: 'public', success: { status: 200, contentType: 'text/javascript', description: 'A script or stylesheet' }, errors: [404] },
  { method: 'get', path: '/api/docs-json', tag: 'operations', summary: 'This document (OpenAPI 3.1)', access: 'public', success: { status: 200, contentType: 'application/json', description: 'OpenAPI 3.1' }, errors: [] },
];
