// One fixture for the integration suites: a suite declares what it needs (Redis, media and their
// loopback server, the app, users, a socket, a browser) and useStack() starts just that before its
// tests (in parallel where it can) and stops it after them, in reverse order, however far it got.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { addUser, logInAs, passwordOf, type Person } from './api';
import { type AppProcess, type Role, startApp, type StartAppOptions } from './app';
import { connectJobsSocket, type Socket } from './jobs';
import { makeMedia, type MediaSet } from './media';
import { type MediaServer, type MediaServerOptions, startMediaServer } from './media-server';
import { type RedisHandle, startRedis } from './redis';
import { makeTempDir, removeDir } from './util';

type Env = Record<string, string>;

export interface StackDeclaration {
  /** A redis-server of the suite's own; implied by `app`. */
  redis?: boolean;
  /** One DATA_DIR for every app the stack starts, kept across their restarts (else each app has its own). */
  dataDir?: boolean;
  media?: {
    /** makeMedia()'s clips and pages (the default); false: an empty folder for `prepare` to fill. */
    standard?: boolean;
    /** The suite's own files, added to the folder before it is served. */
    prepare?: (dir: string) => Promise<unknown>;
    /** The loopback server of the folder (stack.server): its options, or false for none. */
    server?: MediaServerOptions | false;
    /** More servers of the same folder, by name (stack.servers.slow …). */
    servers?: Record<string, MediaServerOptions>;
  };
  /** The app (ROLE all unless told), on the stack's Redis; `env` may read the stack (stack.mediaDir …). */
  app?: true | { role?: Role; env?: Env | ((stack: Stack) => Env) };
  /** Worker processes started with the app, with its env, Redis and DATA_DIR (stack.workers). */
  workers?: number;
  /** Accounts the admin makes (role user, password passwordOf(name)): stack.as(name). */
  users?: string[];
  /** The admin's socket on /jobs (stack.socket). */
  socket?: boolean;
  /** Chromium (stack.browser); `{ page: true }` adds a fresh tab on the app (stack.page). */
  browser?: true | { page: true };
  /** Fail the suite if stopping any app killed a child process it left behind (yt-dlp, ffmpeg). */
  noToolLeftBehind?: boolean;
  /** Stop the apps a test started with stack.startApp() after each test, not only at the end. */
  stopAppsAfterEach?: boolean;
  /** For starting everything; default 180 s. */
  timeoutMs?: number;
}

export interface Stack {
  readonly redis: RedisHandle;
  /** The shared DATA_DIR (declare `dataDir`). */
  readonly dataDir: string;
  /** The standard media set (declare `media`). */
  readonly media: MediaSet;
  /** The media folder, standard or not. */
  readonly mediaDir: string;
  readonly server: MediaServer;
  readonly servers: Readonly<Record<string, MediaServer>>;
  readonly app: AppProcess;
  readonly workers: readonly AppProcess[];
  /** Every app process the stack started, in order (the app first). */
  readonly apps: readonly AppProcess[];
  /** The admin, logged in (usable in module scope: it reaches the session once the stack is up). */
  readonly admin: Person;
  readonly socket: Socket;
  readonly browser: Browser;
  readonly page: Page;
  /** A declared user, logged in (usable in module scope, like `admin`). */
  as(username: string): Person;
  /** A new account, made now by the admin (user1, user2 … unless named). */
  newUser(username?: string, password?: string): Promise<Person>;
  /** Another app process: on the stack's Redis and DATA_DIR unless told; stopped with the stack. */
  startApp(opts?: StartAppOptions): Promise<AppProcess>;
  /** A socket on /jobs (the admin's on the app unless told), disconnected with the stack. */
  connect(token?: string, baseUrl?: string): Promise<Socket>;
  /** Another loopback server of the media folder, stopped with the stack. */
  serve(opts?: MediaServerOptions): Promise<MediaServer>;
  /** A client of the stack's Redis, closed with the stack (before Redis stops). */
  connectRedis(): Redis;
  /** Another redis-server (a test's own world), stopped with the stack. */
  startRedis(): Promise<RedisHandle>;
  /** A temp dir, removed with the stack. */
  tempDir(prefix: string): Promise<string>;
  /** A loopback HTTP server of the suite's own (a webhook receiver, a site), closed with the stack; see urlOf(). */
  listen(handler: http.RequestListener, host?: string): Promise<http.Server>;
  /**
   * Something of the suite's own to stop at the end (the last registered first): after the apps,
   * before the media servers and Redis; or, told 'before apps', right after the sockets and browser.
   */
  onTeardown(stop: () => unknown, when?: 'before apps' | 'after apps'): void;
}

/** Declares the suite's stack: registers the beforeAll that starts it and the afterAll that stops it. */
export function useStack(decl: StackDeclaration): Stack {
  const parts: {
    redis?: RedisHandle;
    dataDir?: string;
    media?: MediaSet;
    mediaDir?: string;
    server?: MediaServer;
    app?: AppProcess;
    admin?: Person;
    socket?: Socket;
    browser?: Browser;
    page?: Page;
  } = {};
  const servers: Record<string, MediaServer> = {};
  const users = new Map<string, Person>();
  const workers: AppProcess[] = [];
  // Everything to stop, by kind, in the order teardown goes through them.
  const sockets: Socket[] = [];
  const apps: AppProcess[] = [];
  const ownTeardowns = { 'before apps': [] as (() => unknown)[], 'after apps': [] as (() => unknown)[] };
  const mediaServers: MediaServer[] = [];
  const redises: RedisHandle[] = [];
  const dirs: string[] = [];
  let appsOfThisTest: AppProcess[] = [];
  let userCount = 0;

  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`stack.${what} is not there: declare it in useStack(), and use it from a hook or a test`);
    return value;
  };
  const appDecl = decl.app === true ? {} : decl.app;
  const wantsRedis = decl.redis === true || appDecl !== undefined || (decl.workers ?? 0) > 0;

  const stack: Stack = {
    get redis() { return need(parts.redis, 'redis'); },
    get dataDir() { return need(parts.dataDir, 'dataDir'); },
    get media() { return need(parts.media, 'media'); },
    get mediaDir() { return need(parts.mediaDir, 'mediaDir'); },
    get server() { return need(parts.server, 'server'); },
    servers,
    get app() { return need(parts.app, 'app'); },
    workers,
    apps,
    admin: later(() => need(parts.admin, 'admin')),
    get socket() { return need(parts.socket, 'socket'); },
    get browser() { return need(parts.browser, 'browser'); },
    get page() { return need(parts.page, 'page'); },
    as: (username) => later(() => need(users.get(username), `as('${username}')`)),
    newUser: (username = `user${++userCount}`, password = passwordOf(username)) => addUser(stack.admin, username, password),
    async startApp(opts = {}) {
      const app = await startApp({ redisUrl: parts.redis?.url, dataDir: parts.dataDir, ...opts });
      apps.push(app);
      appsOfThisTest.push(app);
      return app;
    },
    async connect(token = stack.admin.token, baseUrl = stack.app.baseUrl) {
      const socket = await connectJobsSocket(baseUrl, token);
      sockets.push(socket);
      return socket;
    },
    async serve(opts = {}) {
      const server = await startMediaServer(stack.mediaDir, opts);
      mediaServers.push(server);
      return server;
    },
    connectRedis() {
      const client = new Redis(stack.redis.url);
      stack.onTeardown(() => client.quit());
      return client;
    },
    async startRedis() {
      const redis = await startRedis();
      redises.push(redis);
      return redis;
    },
    async tempDir(prefix) {
      const dir = await makeTempDir(prefix);
      dirs.push(dir);
      return dir;
    },
    async listen(handler, host = '127.0.0.1') {
      const server = http.createServer(handler);
      await new Promise<void>((resolve) => server.listen(0, host, resolve));
      stack.onTeardown(() => new Promise((resolve) => server.close(resolve)));
      return server;
    },
    onTeardown: (stop, when = 'after apps') => void ownTeardowns[when].push(stop),
  };

  async function makeMediaFolder(): Promise<void> {
    const media = decl.media!;
    if (media.standard === false) {
      parts.mediaDir = await stack.tempDir('media');
    } else {
      parts.media = await makeMedia();
      parts.mediaDir = parts.media.dir;
    }
    await media.prepare?.(parts.mediaDir);
    const named = Object.entries(media.servers ?? {});
    const [main, ...more] = await Promise.all([
      media.server === false ? undefined : stack.serve(media.server),
      ...named.map(([, opts]) => stack.serve(opts)),
    ]);
    parts.server = main;
    named.forEach(([name], i) => (servers[name] = more[i]!));
  }

  async function startApps(): Promise<void> {
    if (!appDecl) return;
    const env = typeof appDecl.env === 'function' ? appDecl.env(stack) : appDecl.env;
    const [app, ...started] = await Promise.all([
      stack.startApp({ role: appDecl.role, env }),
      ...Array.from({ length: decl.workers ?? 0 }, () => stack.startApp({ role: 'worker', env })),
    ]);
    parts.app = app;
    workers.push(...started);
  }

  // playwright-core is loaded only by suites that declare a browser.
  async function launchBrowser(): Promise<void> {
    parts.browser = await (await import('./browser')).launchChromium();
  }

  beforeAll(async () => {
    await Promise.all([
      wantsRedis && stack.startRedis().then((r) => (parts.redis = r)),
      decl.dataDir && stack.tempDir('data').then((d) => (parts.dataDir = d)),
      decl.media && makeMediaFolder(),
    ]);
    await Promise.all([startApps(), decl.browser && launchBrowser()]);
    appsOfThisTest = [];
    if (!parts.app) return;
    parts.admin = await logInAs(parts.app.baseUrl);
    for (const name of decl.users ?? []) users.set(name, await stack.newUser(name));
    if (decl.socket) parts.socket = await stack.connect();
    if (decl.browser !== undefined && decl.browser !== true && decl.browser.page) parts.page = await (await import('./browser')).newPage(stack.browser, parts.app.baseUrl);
  }, decl.timeoutMs ?? 180_000);

  if (decl.stopAppsAfterEach) {
    afterEach(async () => {
      const running = appsOfThisTest.splice(0);
      await Promise.all(running.map((a) => a.stop()));
      if (decl.noToolLeftBehind) expectNothingLeftBehind(running);
    }, 60_000);
  }

  afterAll(async () => {
    const failures: unknown[] = [];
    const step = async (stop: () => unknown): Promise<void> => {
      try {
        await stop();
      } catch (err) {
        failures.push(err);
      }
    };
    await step(() => sockets.forEach((s) => s.disconnect()));
    await step(() => parts.browser?.close());
    for (const stop of ownTeardowns['before apps'].reverse()) await step(stop);
    await step(() => Promise.all(apps.map((a) => a.stop())));
    for (const stop of ownTeardowns['after apps'].reverse()) await step(stop);
    await step(() => Promise.all(mediaServers.map((s) => s.stop())));
    await step(() => Promise.all(redises.map((r) => r.stop())));
    await step(() => parts.media?.cleanup());
    for (const dir of dirs) await step(() => removeDir(dir));
    if (failures.length) throw failures[0];
    if (decl.noToolLeftBehind) expectNothingLeftBehind(apps);
  }, 60_000);

  return stack;
}

/** http://<address>:<port> of a listening server. */
export function urlOf(server: http.Server): string {
  const { address, port } = server.address() as AddressInfo;
  return `http://${address}:${port}`;
}

/** A Person that is looked up at each use: declared in module scope, logged in by beforeAll. */
function later(person: () => Person): Person {
  return {
    get id() { return person().id; },
    get username() { return person().username; },
    get password() { return person().password; },
    get token() { return person().token; },
    get cookie() { return person().cookie; },
    get baseUrl() { return person().baseUrl; },
    get: (p) => person().get(p),
    post: (p, body) => person().post(p, body),
    del: (p) => person().del(p),
    request: (method, p, body, headers) => person().request(method, p, body, headers),
  };
}

/** Stopping these apps found no child process of theirs still running (the logs name any it killed). */
function expectNothingLeftBehind(apps: readonly AppProcess[]): void {
  expect(apps.filter((a) => a.leftBehind.length).map((a) => a.logs().split('[support] killed')[1])).toEqual([]);
}
