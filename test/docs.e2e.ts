// The API document (/api/docs-json) and its UI (/api/docs), against the built app: it names every
// route the controllers map, its request schemas are the ones the app enforces, real answers (a
// real job's snapshots among them) validate against its response schemas, its access rules hold,
// and Swagger UI renders it in Chromium under the app's CSP.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Ajv2020 from 'ajv/dist/2020';
import { API_ERROR_CODES } from '../src/http/api-error-codes';
import { api, ApiHelpers, ApiResponse, login, parseBody } from './support/api';
import { MAIN_JS, REPO_ROOT } from './support/app';
import { newPage, screenshot } from './support/browser';
import { readSse, waitForState } from './support/jobs';
import { useStack } from './support/stack';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Operation { method: string; path: string; op: Json }

const stack = useStack({ media: {}, app: true, users: ['docsuser'], browser: true });
const admin = stack.admin;
const user = stack.as('docsuser');
let anonymous: ApiHelpers;
let doc: Json;
let ajv: Ajv2020;
let operations: Operation[];
/** Every answer the suite got, with the operation it came from: checked against the document at the end. */
const answers: { operation: Operation; res: ApiResponse }[] = [];

beforeAll(async () => {
  anonymous = api(stack.app.baseUrl, '');
  const res = await anonymous.get('/api/docs-json');
  expect(res.status).toBe(200);
  doc = res.body as Json;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(doc, 'openapi.json');
  operations = Object.entries(doc.paths as Json).flatMap(([path, item]) => Object.entries(item as Json).map(([method, op]) => ({ method, path, op: op as Json })));
});

const find = (method: string, path: string): Operation => {
  const found = operations.find((o) => o.method === method && o.path === path);
  if (!found) throw new Error(`the document has no ${method.toUpperCase()} ${path}`);
  return found;
};
const fill = (path: string, params: Record<string, string> = {}) => path.replace(/\{(\w+)\}/g, (_m, name: string) => params[name] ?? 'nosuchthing00');
/** Resolves a `$ref` into the document (one level is all the document uses). */
const deref = (schema: Json): Json => (schema.$ref ? (doc.components.schemas[(schema.$ref as string).split('/').pop()!] as Json) : schema);
const bodySchemaOf = (op: Json): Json => op.requestBody.content['application/json'].schema as Json;

async function call(client: ApiHelpers, method: string, path: string, params: Record<string, string> = {}, body?: unknown, query = ''): Promise<ApiResponse> {
  const res = await client.request(method.toUpperCase(), `${fill(path, params)}${query}`, body);
  answers.push({ operation: find(method, path), res });
  return res;
}

/** Example URLs point at the loopback media server: nothing may leave 127.0.0.1. */
const loopbackExample = (example: Json): Json => ('url' in example ? { ...example, url: stack.server.url('page.html') } : { ...example });

test('the document describes every route the controllers map, and no route that does not exist', async () => {
  // A plain node process (not jest) can load the built app module and read Nest's route metadata.
  const script = `require('reflect-metadata');
    const { ApiModule } = require(${JSON.stringify(MAIN_JS.replace(/main\.js$/, 'app.module.js'))});
    const { controllerRoutes } = require(${JSON.stringify(MAIN_JS.replace(/main\.js$/, 'docs/controller-routes.js'))});
    process.stdout.write(JSON.stringify(controllerRoutes(ApiModule)));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: REPO_ROOT });
  const mapped = (JSON.parse(stdout) as { method: string; path: string }[]).map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
  const documented = operations.map((o) => `${o.method.toUpperCase()} ${o.path}`).sort();
  expect(mapped.length).toBeGreaterThan(30);
  expect(documented).toEqual(mapped);
  for (const must of ['GET /media/{jobId}/{file}', 'GET /metrics', 'GET /api/jobs', 'POST /api/jobs']) expect(documented).toContain(must);
});

test('it is an OpenAPI 3.1 document with tags, security, error responses and well-formed schemas', () => {
  expect(doc.openapi).toBe('3.1.0');
  expect(doc.components.securitySchemes.session).toEqual(expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'vp_session' }));
  expect(doc.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
  const tagNames = (doc.tags as { name: string }[]).map((t) => t.name);
  for (const { method, path, op } of operations) {
    expect([method, path, op.tags?.length]).toEqual([method, path, 1]);
    expect(tagNames).toContain(op.tags[0]);
    expect(Object.keys(op.responses).some((s) => /^2\d\d$/.test(s))).toBe(true);
    for (const [status, r] of Object.entries(op.responses as Json)) {
      if (/^[45]/.test(status)) expect([path, (r as Json).content['application/json'].schema.$ref]).toEqual([path, '#/components/schemas/ApiError']);
    }
    for (const p of (op.parameters ?? []) as Json[]) ajv.compile(p.schema); // throws on a malformed schema
    if (op.requestBody?.content['application/json']) ajv.compile(bodySchemaOf(op));
  }
  for (const name of Object.keys(doc.components.schemas)) expect(ajv.getSchema(`openapi.json#/components/schemas/${name}`)).toBeDefined();
  const list = find('get', '/api/jobs').op.parameters.map((p: Json) => p.name);
  expect(list).toEqual(expect.arrayContaining(['state', 'limit', 'cursor', 'parentId']));
  expect(find('get', '/media/{jobId}/{file}').op.parameters.map((p: Json) => p.name)).toEqual(['jobId', 'file']);
});

test('ApiError.code is the enum of every code in src/http/api-error-codes.ts, in its order', () => {
  const apiError = doc.components.schemas.ApiError as Json;
  expect(apiError.required).toContain('code');
  expect(apiError.properties.code.enum).toEqual([...API_ERROR_CODES]);
});

test('what is refused before a route runs answers as documented: an undecodable path, bad or oversized JSON, a cross-site POST', async () => {
  const undecodable = await call(user, 'get', '/api/jobs/{id}', { id: '%FF' });
  expect([undecodable.status, undecodable.body.code]).toEqual([400, 'bad_request']);
  const media = await call(user, 'get', '/media/{jobId}/{file}', { jobId: 'nosuchjob000', file: '%FF.ts' });
  expect([media.status, media.body.code]).toEqual([400, 'bad_request']);
  // Not JSON at all: sent by hand, since the helpers always serialize.
  const res = await fetch(`${stack.app.baseUrl}/api/jobs`, { method: 'POST', headers: { Authorization: `Bearer ${user.token}`, 'Content-Type': 'application/json' }, body: '{"url":' });
  const badJson: ApiResponse = { status: res.status, body: (await parseBody(res)) as ApiResponse['body'], headers: res.headers };
  answers.push({ operation: find('post', '/api/jobs'), res: badJson });
  expect([badJson.status, badJson.body.code]).toEqual([400, 'invalid_json']);
  const huge = await call(user, 'post', '/api/jobs', {}, { url: `https://example.com/${'x'.repeat(120 * 1024)}`, format: '720p' });
  expect([huge.status, huge.body.code]).toEqual([413, 'payload_too_large']);
  // With the cookie (no bearer) from another site's page: refused before the session is even read.
  const foreign = await anonymous.request('POST', '/api/subscriptions', {}, { Origin: 'https://elsewhere.example' });
  answers.push({ operation: find('post', '/api/subscriptions'), res: foreign });
  expect([foreign.status, foreign.body.code]).toEqual([403, 'cross_site_request']);
});

test('access is as documented: anonymous gets 401 on session routes, a user gets 403 on admin routes', async () => {
  for (const { method, path, op } of operations) {
    const isPublic = Array.isArray(op.security) && op.security.length === 0;
    const params: Record<string, string> = path === '/api/docs/{asset}' ? { asset: 'swagger-ui.css' } : {};
    // Public POSTs with a body are exercised below; here an empty one must not be refused for want of a session.
    const res = await call(anonymous, method, path, params, method === 'get' || method === 'delete' ? undefined : {});
    if (isPublic) expect([method, path, res.status]).not.toEqual([method, path, 401]);
    else expect([method, path, res.status]).toEqual([method, path, 401]);
    if (String(op.description ?? '').startsWith('Admins only')) {
      const asUser = await call(user, method, path, params, method === 'get' || method === 'delete' ? undefined : {});
      expect([method, path, asUser.status]).toEqual([method, path, 403]);
    }
  }
});

test('every documented request body is the schema the app validates with', async () => {
  const withBody = operations.filter((o) => o.op.requestBody?.content['application/json']);
  expect(withBody.length).toBeGreaterThanOrEqual(7);
  for (const { method, path, op } of withBody) {
    const schema = deref(bodySchemaOf(op));
    const example = op.requestBody.content['application/json'].example as Json;
    const client = method === 'post' && path === '/api/auth/login' ? anonymous : admin;
    // The example fits the document, and the app's validator lets it through (whatever the outcome after).
    expect([path, ajv.validate(bodySchemaOf(op), example), ajv.errorsText()]).toEqual([path, true, 'No errors']);
    const accepted = await call(client, method, path, {}, loopbackExample(example));
    expect([path, (accepted.body as Json)?.code]).not.toEqual([path, 'invalid_request']);
    // What the document forbids, the app refuses, naming the field.
    const refused = async (body: Json, field: string) => {
      const res = await call(client, method, path, {}, body);
      expect([path, field, res.status, (res.body as Json).code]).toEqual([path, field, 400, 'invalid_request']);
      expect((res.body as Json).message).toContain(field);
    };
    for (const field of (schema.required ?? []) as string[]) {
      const { [field]: _gone, ...rest } = example;
      await refused(rest, field);
    }
    for (const [field, prop] of Object.entries((schema.properties ?? {}) as Json)) {
      await refused({ ...example, [field]: { not: 'this type' } }, field);
      if (prop.enum) await refused({ ...example, [field]: 'not-one-of-them' }, field);
      if (prop.type === 'array' && prop.items?.enum) await refused({ ...example, [field]: ['not-one-of-them'] }, field);
    }
    if (schema.additionalProperties === false) await refused({ ...example, surprise: true }, 'surprise');
  }
});

test('documented query parameters are the ones the app validates', async () => {
  const { op } = find('get', '/api/jobs');
  for (const p of op.parameters.filter((x: Json) => x.in === 'query') as Json[]) {
    const bad = p.schema.enum ? 'not-one-of-them' : p.schema.maximum !== undefined ? String(p.schema.maximum + 1) : p.schema.type === 'integer' ? '1.5' : null;
    if (bad === null) continue;
    const res = await call(admin, 'get', '/api/jobs', {}, undefined, `?${p.name}=${encodeURIComponent(bad)}`);
    expect([p.name, res.status, (res.body as Json).code]).toEqual([p.name, 400, 'invalid_request']);
    expect((res.body as Json).message).toContain(p.name);
  }
  const ok = await call(admin, 'get', '/api/jobs', {}, undefined, '?state=completed&limit=5');
  expect(ok.status).toBe(200);
});

test('a real job\'s snapshots, from creation through SSE to completed, validate against JobSnapshot', async () => {
  const snapshot = ajv.getSchema('openapi.json#/components/schemas/JobSnapshot')!;
  const created = await call(user, 'post', '/api/jobs', {}, { url: stack.server.url('clip.mp4'), format: '720p' });
  expect(created.status).toBe(201);
  const id = (created.body as Json).id as string;
  const streamed = await readSse(stack.app.baseUrl, `/api/jobs/${id}/events`, (await login(stack.app.baseUrl, 'docsuser', user.password)).token, 60_000);
  const done = await waitForState(user, id, ['completed'], 60_000);
  expect(streamed.length).toBeGreaterThan(1);
  for (const s of [created.body as Json, ...streamed, done]) expect([s.state, snapshot(s), ajv.errorsText(snapshot.errors)]).toEqual([s.state, true, 'No errors']);
  expect(done.result!.fileUrl).toBe(`/api/jobs/${id}/file`);
  await call(user, 'get', '/api/jobs/{id}', { id });
  await call(user, 'get', '/api/jobs', {}, undefined, '?limit=5');
  const file = await call(user, 'get', '/api/jobs/{id}/file', { id });
  expect(file.status).toBe(200);
  expect(file.headers.get('content-type')).toMatch(/^video\/mp4/);
  // Another user's job answers like one that does not exist, in the documented error shape.
  expect((await call(admin, 'get', '/api/jobs/{id}', { id: 'nosuchjob000' })).status).toBe(404);
}, 120_000);

test('every other JSON answer validates against the documented schema for its status', async () => {
  for (const path of ['/api/auth/me', '/api/me/cookies', '/api/subscriptions', '/api/webhooks', '/api/users', '/api/health', '/api/health/live', '/api/health/ready', '/api/admin/workers']) {
    expect([path, (await call(admin, 'get', path)).status]).toEqual([path, 200]);
  }
  const hooks = (await call(admin, 'get', '/api/webhooks')).body as Json;
  expect(hooks.items.length).toBeGreaterThan(0); // made from the documented example above
  await call(admin, 'get', '/api/webhooks/{id}/deliveries', { id: hooks.items[0].id });
  const subs = (await call(admin, 'get', '/api/subscriptions')).body as Json;
  expect(subs.items.length).toBeGreaterThan(0);
  await call(admin, 'post', '/api/subscriptions/{id}/check', { id: subs.items[0].id });
  let checked = 0;
  for (const { operation, res } of answers) {
    const documented = operation.op.responses[String(res.status)];
    const where = `${operation.method.toUpperCase()} ${operation.path} → ${res.status}`;
    expect([where, documented !== undefined || res.status === 206]).toEqual([where, true]);
    const schema = documented?.content?.['application/json']?.schema;
    if (!schema || typeof res.body !== 'object') continue;
    const pointer = ['paths', operation.path, operation.method, 'responses', String(res.status), 'content', 'application/json', 'schema']
      .map((seg) => encodeURIComponent(seg.replace(/~/g, '~0').replace(/\//g, '~1')))
      .join('/');
    const validate = ajv.getSchema(`openapi.json#/${pointer}`)!;
    expect([where, validate(res.body), ajv.errorsText(validate.errors)]).toEqual([where, true, 'No errors']);
    checked++;
  }
  expect(checked).toBeGreaterThan(40);
  // ajv checked each code against the enum above; the union is the enum, so each is an ApiErrorCode.
  const codes = new Set(answers.filter(({ res }) => res.status >= 400 && typeof res.body === 'object').map(({ res }) => (res.body as Json).code as string));
  expect([...codes].filter((code) => !(API_ERROR_CODES as readonly string[]).includes(code))).toEqual([]);
  expect([...codes]).toEqual(expect.arrayContaining(['unauthorized', 'forbidden', 'not_found', 'invalid_request', 'bad_request', 'invalid_json', 'payload_too_large', 'cross_site_request']));
});

describe('the UI', () => {
  test('Swagger UI renders the document under the app\'s CSP and lists the operations', async () => {
    const page = await newPage(stack.browser, stack.app.baseUrl);
    const refused: string[] = [];
    page.on('console', (m) => /Content Security Policy|Refused to/i.test(m.text()) && refused.push(m.text()));
    page.on('pageerror', (e) => refused.push(e.message));
    const res = await page.goto('/api/docs');
    expect(res?.headers()['content-security-policy']).toMatch(/script-src 'self'|default-src 'self'/);
    await page.getByText('vidpipe', { exact: false }).first().waitFor({ timeout: 20_000 });
    const createJob = page.locator('.opblock-post').filter({ hasText: '/api/jobs' }).first();
    await createJob.waitFor({ timeout: 20_000 });
    await createJob.locator('.opblock-summary').click();
    await page.getByText('Request body').first().waitFor();
    await screenshot(page, 'api-docs');
    expect(await page.locator('.opblock').count()).toBe(operations.length);
    expect(refused).toEqual([]);
  }, 60_000);
});
