// The shapes the API answers with, written once as zod for the OpenAPI document and for tests that
// validate real answers against it. Pure: zod and the shared types only (jest may import it).
import { z } from 'zod';
import { API_ERROR_CODES } from '../http/api-error-codes';
import { JOB_ERROR_CODES, JOB_FORMATS, JOB_KINDS, JOB_STATES, JobSnapshot } from '../jobs/job.types';
import { WEBHOOK_EVENTS } from '../webhooks/webhook.types';

const isoTime = z.string().describe('ISO 8601 time');
// .strict() everywhere: a field added to a type but not here makes the snapshot test fail.
const progress = z
  .object({
    percent: z.number().min(0).max(100).describe('Whole job, never backwards within an attempt'),
    stagePercent: z.number().min(0).max(100),
    downloadedBytes: z.number().nullable(),
    totalBytes: z.number().nullable(),
    speedBps: z.number().nullable(),
    etaSeconds: z.number().nullable(),
  })
  .strict();

const rendition = z.object({ height: z.number().nullable(), width: z.number().nullable(), bandwidth: z.number(), codecs: z.string().nullable() }).strict();
const subtitle = z.object({ lang: z.string(), name: z.string(), url: z.string() }).strict();

const result = z
  .object({
    playlistUrl: z.string(),
    posterUrl: z.string().nullable(),
    renditions: z.array(rendition),
    sizeBytes: z.number(),
    durationSec: z.number().nullable(),
    videoCopied: z.boolean(),
    fileUrl: z.string().nullable().optional(),
    subtitles: z.array(subtitle).optional(),
  })
  .strict();

const children = z
  .object({ total: z.number().int(), queued: z.number().int(), running: z.number().int(), completed: z.number().int(), failed: z.number().int(), cancelled: z.number().int() })
  .strict();

const messageParams = z.record(z.string(), z.union([z.string(), z.number()]));

export const jobSnapshotSchema = z
  .object({
    id: z.string(),
    kind: z.enum(JOB_KINDS),
    parentId: z.string().nullable(),
    children: children.optional(),
    url: z.string(),
    format: z.enum(JOB_FORMATS),
    ownerId: z.string(),
    state: z.enum(JOB_STATES),
    seq: z.number().int().min(1).describe('Grows by one per change'),
    attempt: z.number().int(),
    progress,
    message: z.string().describe('In English, for API clients'),
    messageKey: z.string().nullable().optional().describe('The sentence\'s stable key (job.ready, collection.summary, error.too_large.bytes…), to show it in the reader\'s language; absent on older jobs'),
    messageParams: messageParams.nullable().optional().describe('The values for messageKey\'s placeholders'),
    title: z.string().nullable(),
    durationSec: z.number().nullable(),
    thumbnailUrl: z.string().nullable(),
    preview: z.object({ playlistUrl: z.string() }).strict().nullable().optional().describe('While transcoding, a growing HLS playlist to watch; null otherwise'),
    result: result.optional(),
    error: z
      .object({ code: z.enum(JOB_ERROR_CODES), message: z.string(), params: messageParams.optional().describe('The values in the sentence; absent on older jobs') })
      .strict()
      .optional(),
    createdAt: isoTime,
    updatedAt: isoTime,
    finishedAt: isoTime.nullable(),
  })
  .strict()
  .meta({ id: 'JobSnapshot', description: 'One job as REST, socket.io, SSE and webhooks show it (src/jobs/job.types.ts)' });

// Compile-time guard: the schema's required fields and types match JobSnapshot's.
type Snapshot = z.infer<typeof jobSnapshotSchema>;
export const snapshotMatchesType: [Snapshot] extends [JobSnapshot] ? true : never = true;

export const jobPageSchema = z
  .object({ items: z.array(jobSnapshotSchema), nextCursor: z.string().nullable().describe('Pass as ?cursor= for the next page; null at the end') })
  .strict()
  .meta({ id: 'JobPage' });

export const apiErrorSchema = z
  .object({
    statusCode: z.number().int(),
    error: z.string().describe('The HTTP reason phrase'),
    message: z.string().describe('A sentence for people'),
    code: z.enum(API_ERROR_CODES).describe('Stable, for machines: every code is listed, with its meaning, in src/http/api-error-codes.ts'),
    params: messageParams
      .optional()
      .describe(
        'The values in the sentence, to say it in another language. invalid_request: field (dotted path), problem (required, type, too_small, too_big, format, one_of, unknown_field, invalid) and its limit (expected; minimum or maximum with origin string|array|number; values; fields). ytdlp_not_managed: problem (no_workers, path_set), workers',
      ),
  })
  .loose() // a failed health check adds its report (status, details)
  .meta({ id: 'ApiError' });

export const userSchema = z
  .object({ id: z.string(), username: z.string(), role: z.enum(['admin', 'user']), disabled: z.boolean(), createdAt: isoTime })
  .meta({ id: 'User' });

export const sessionSchema = z
  .object({ user: userSchema, token: z.string().describe('Send as Authorization: Bearer; the vp_session cookie is set too') })
  .meta({ id: 'Session' });

export const meSchema = z.object({ user: z.object({ id: z.string(), username: z.string(), role: z.enum(['admin', 'user']) }) });

export const cookiesStatusSchema = z
  .object({ present: z.boolean(), domains: z.array(z.string()), updatedAt: isoTime.nullable() })
  .meta({ id: 'CookiesStatus', description: 'Never a cookie name or value' });

const webhookFields = { id: z.string(), url: z.string(), events: z.array(z.enum(WEBHOOK_EVENTS)), createdAt: isoTime };
export const webhookSchema = z.object(webhookFields).meta({ id: 'Webhook' });
export const webhookCreatedSchema = z.object({ ...webhookFields, secret: z.string().describe('Shown only in this answer') }).meta({ id: 'WebhookCreated' });
export const webhookDeliverySchema = z
  .object({
    id: z.string(),
    event: z.enum(WEBHOOK_EVENTS),
    jobId: z.string(),
    statusCode: z.number().int().nullable(),
    attempts: z.number().int(),
    outcome: z.enum(['pending', 'delivered', 'failed']),
    at: isoTime,
    response: z.string().describe("The start of the receiver's answer, or why there was none (in English)"),
    responseKey: z.string().optional().describe("When `response` is vidpipe's own sentence (not sent, no answer): its key (webhook.no_answer.refused…), to say it in another language"),
    responseParams: messageParams.optional().describe("The values of responseKey's sentence"),
  })
  .meta({ id: 'WebhookDelivery' });

export const subscriptionSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    format: z.enum(JOB_FORMATS),
    intervalMinutes: z.number().int(),
    lastCheckedAt: isoTime.nullable(),
    seen: z.number().int(),
    lastError: z.string().nullable(),
    lastErrorKey: z.string().nullable().describe("lastError's sentence key, for clients that say it in another language; null when it has none."),
    lastErrorParams: messageParams.nullable().describe("The values of lastErrorKey's sentence; null when there is no key."),
    createdAt: isoTime,
  })
  .meta({ id: 'Subscription' });

export const workerSchema = z
  .object({
    id: z.string(),
    host: z.string(),
    pid: z.number().int(),
    startedAt: isoTime,
    lastHeartbeatAt: isoTime,
    concurrency: z.record(z.string(), z.number()),
    runningJobs: z.array(z.object({ id: z.string(), stage: z.string(), startedAt: isoTime })),
    runningTools: z.record(z.string(), z.number()),
    ytdlp: z.object({ version: z.string().nullable(), managed: z.boolean(), manageable: z.boolean().optional() }),
    ffmpeg: z.object({ version: z.string().nullable() }),
    node: z.string(),
  })
  .meta({ id: 'Worker' });

export const healthSchema = z
  .object({ status: z.string(), info: z.record(z.string(), z.unknown()).optional(), error: z.record(z.string(), z.unknown()).optional(), details: z.record(z.string(), z.unknown()) })
  .loose()
  .meta({ id: 'Health', description: 'Terminus report; details.ytdlp has version, ageDays, managed, stale, and when stale message (English), messageKey and messageParams' });

export const listOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });
