// The OpenAPI 3.1 document, built from API_OPERATIONS and the zod schemas the controllers validate with.
import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { SAFE_METHODS } from '../http/same-origin';
import { API_OPERATIONS, ApiOperation } from './api-operations';
import * as shapes from './api-schemas';
import { apiErrorSchema } from './api-schemas';

type Json = Record<string, unknown>;

const TAGS: Record<string, string> = {
  auth: 'Sessions: a vp_session cookie for browsers, a bearer token for scripts',
  jobs: 'Downloads and their live state',
  media: 'The results: HLS files and the whole file',
  cookies: 'Your cookies.txt, for sites that need a login',
  subscriptions: 'Playlists and channels checked on a schedule',
  webhooks: 'Signed POSTs when your jobs end',
  users: 'Accounts (admins only)',
  operations: 'Health, metrics, workers and this document',
};

/** A request schema as a client must send it: defaults make fields optional (io: input). */
function requestJsonSchema(schema: z.ZodType): Json {
  const { $schema: _drop, ...json } = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Json;
  return json;
}

/** A query field: `z.preprocess` (empty means unset) documents its target schema, not the function. */
function queryFieldSchema(field: z.ZodType): Json {
  const target = field instanceof z.ZodPipe && field.in instanceof z.ZodTransform ? (field.out as z.ZodType) : field;
  return requestJsonSchema(target);
}

/** Response schemas go through one registry so named ones (JobSnapshot, …) land in components. */
function responseJsonSchemas(): { schemas: Map<z.ZodType, Json>; components: Json } {
  const registry = z.registry<{ id?: string }>();
  // Unnamed shapes take the name of the first operation that answers with them.
  const firstUse = new Map<z.ZodType, string>([[apiErrorSchema, 'ApiError']]);
  for (const op of API_OPERATIONS) if (op.success.schema && !firstUse.has(op.success.schema)) firstUse.set(op.success.schema, `${operationIdOf(op)}Response`);
  // Named shapes used only inside others (Webhook, …) get their own component too.
  for (const shape of Object.values(shapes)) if (shape instanceof z.ZodType && z.globalRegistry.get(shape)?.id && !firstUse.has(shape)) firstUse.set(shape, '');
  const unique = [...firstUse.keys()];
  unique.forEach((schema) => registry.add(schema, { id: (z.globalRegistry.get(schema)?.id as string | undefined) ?? firstUse.get(schema)! }));
  const out = z.toJSONSchema(registry, { io: 'output', target: 'draft-2020-12', uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, Json> };
  const schemas = new Map<z.ZodType, Json>();
  const components: Json = {};
  unique.forEach((schema) => {
    const id = registry.get(schema)!.id!;
    const { $schema: _drop, $id: _id, ...json } = out.schemas[id];
    components[id] = json;
    schemas.set(schema, { $ref: `#/components/schemas/${id}` });
  });
  return { schemas, components };
}

const operationIdOf = (op: ApiOperation) =>
  `${op.method}${op.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`;

const errorResponse = (status: number): Json => ({
  description: STATUS_CODES[status] ?? 'Error',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } },
});

/** The error statuses that follow from a route's shape, before its own code runs (src/http/error.filter.ts). */
function statusesFromShape(op: ApiOperation): number[] {
  const statuses = [500]; // internal_error: anything unexpected
  if (op.path.includes('{')) statuses.push(400); // bad_request: a path that does not decode (%FF)
  if (op.body) statuses.push(400, 413); // invalid_json, invalid_request; payload_too_large past the parser's limit
  if (op.access !== 'public') statuses.push(401); // unauthorized: no valid session
  if (op.access === 'admin') statuses.push(403); // forbidden: not an admin
  if (!SAFE_METHODS.has(op.method.toUpperCase())) statuses.push(403); // cross_site_request: with the cookie, from another site
  return statuses;
}

function operationObject(op: ApiOperation, responses: Map<z.ZodType, Json>): Json {
  const pathParams = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  const queryParams = op.query
    ? Object.entries(op.query.shape).map(([name, field]) => {
        const schema = queryFieldSchema(field as z.ZodType);
        return { name, in: 'query', required: !(field as z.ZodType).safeParse(undefined).success, schema };
      })
    : [];
  const success: Json = { description: op.success.description };
  if (op.success.schema) success.content = { 'application/json': { schema: responses.get(op.success.schema) } };
  else if (op.success.contentType) success.content = { [op.success.contentType]: { schema: { type: /json$/.test(op.success.contentType) ? 'object' : 'string' } } };
  const errorStatuses = [...new Set([...statusesFromShape(op), ...op.errors])].sort();
  const body: Json = {};
  if (op.body) {
    body.requestBody = { required: true, content: { 'application/json': { schema: requestJsonSchema(op.body.schema), example: op.body.example } } };
  } else if (op.rawBody) {
    body.requestBody = { required: true, description: op.rawBody.description, content: { [op.rawBody.contentType]: { schema: { type: 'string', maxLength: op.rawBody.maxBytes } } } };
  }
  return {
    tags: [op.tag],
    summary: op.summary,
    operationId: operationIdOf(op),
    ...(op.access === 'public' ? { security: [] } : {}),
    ...(op.access === 'admin' ? { description: 'Admins only: others get 403.' } : {}),
    ...(pathParams.length || queryParams.length ? { parameters: [...pathParams, ...queryParams] } : {}),
    ...body,
    responses: { [String(op.success.status)]: success, ...Object.fromEntries(errorStatuses.map((st) => [String(st), errorResponse(st)])) },
  };
}

/** The whole document; `version` is the app's. */
export function buildOpenApiDocument(version: string): Json {
  const { schemas, components } = responseJsonSchemas();
  const paths: Record<string, Json> = {};
  for (const op of API_OPERATIONS) (paths[op.path] ??= {})[op.method] = operationObject(op, schemas);
  return {
    openapi: '3.1.0',
    info: {
      title: 'vidpipe',
      version,
      description:
        'Download a video page, stream it as HLS. Every error answers `{ statusCode, error, message, code }` (`code`: one of ApiError.code\'s enum, ' +
        'each explained in src/http/api-error-codes.ts); anything of another user answers 404 like something that does not exist. A JSON body is read before ' +
        'routing, so any route answers one that does not parse 400 `invalid_json` and one over 100 KiB 413 `payload_too_large`. Bull Board (`/admin/queues`, ' +
        'admins only) is an HTML page with its own JSON, not part of this API. Live progress: socket.io namespace `/jobs` (see the README).',
    },
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    security: [{ session: [] }, { bearer: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'vp_session', description: 'Set by POST /api/auth/login' },
        bearer: { type: 'http', scheme: 'bearer', description: 'The token from POST /api/auth/login' },
      },
    },
  };
}
