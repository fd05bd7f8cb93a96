// docker-compose.yml, the Dockerfile and .env.example, checked by reading: there is no Docker engine here.
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CONFIG_KEYS } from '../src/config/config';
import { REPO_ROOT } from './support/app';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  init?: boolean;
  healthcheck?: { test: string[] };
  deploy?: { resources?: { limits?: { cpus?: string; memory?: string } } };
}
const composeText = fs.readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
// Merge keys (`<<: *vidpipe-env`) as Docker Compose reads them.
const compose = parseYaml(composeText, { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
const envExample = fs.readFileSync(path.join(REPO_ROOT, '.env.example'), 'utf8');
const { api, worker, redis } = compose.services;

it('runs redis, an api and a worker, the two from one image built here', () => {
  expect(Object.keys(compose.services).sort()).toEqual(['api', 'redis', 'worker']);
  expect(api.image).toBeDefined();
  expect(worker.image).toBe(api.image);
  expect(api.build).toBe('.');
  expect(worker.build).toBe('.');
  expect(api.environment?.ROLE).toBe('api');
  expect(worker.environment?.ROLE).toBe('worker');
});

it('gives both roles one Redis and one media volume, with Redis durable and never evicting', () => {
  for (const s of [api, worker]) {
    expect(s.environment?.REDIS_URL).toBe('redis://redis:6379');
    expect(s.environment?.DATA_DIR).toBe('/data');
    expect(s.volumes).toContain('media:/data');
  }
  expect(redis.command).toEqual(expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']));
  expect(redis.volumes).toContain('redis-data:/data');
  expect(Object.keys(compose.volumes).sort()).toEqual(['media', 'redis-data']);
  // Loopback only: a reverse proxy in front exposes it.
  expect(api.ports).toEqual(['127.0.0.1:3000:3000']);
});

it('passes only variables the app knows, the same secrets to both roles, and lets workers keep their yt-dlp current', () => {
  const known = new Set([...CONFIG_KEYS, 'NODE_ENV']);
  for (const s of [api, worker]) {
    for (const key of Object.keys(s.environment ?? {})) expect(known.has(key) ? key : `unknown: ${key}`).toBe(key);
    expect(s.environment?.YTDLP_AUTO_UPDATE).toBe('${YTDLP_AUTO_UPDATE:-true}');
    // Unset YTDLP_PATH is what makes the image's yt-dlp managed.
    expect(s.environment?.YTDLP_PATH).toBeUndefined();
  }
  // Workers decrypt the cookies the api stored: one key for both.
  for (const key of ['SESSION_SECRET', 'COOKIES_KEY', 'MIN_FREE_DISK_BYTES']) {
    expect(worker.environment?.[key]).toBeDefined();
    expect(worker.environment?.[key]).toBe(api.environment?.[key]);
  }
  expect(worker.environment?.DOWNLOAD_CONCURRENCY).toBeDefined();
  expect(api.environment?.TRUST_PROXY).toBeDefined();
  expect(api.environment?.METRICS_TOKEN).toBe('${METRICS_TOKEN:-}');
});

it('runs both roles under an init, with JSON logs, a healthcheck each (the worker by its heartbeat) and limits on workers', () => {
  for (const s of [api, worker]) {
    expect(s.init).toBe(true);
    expect(s.environment?.LOG_FORMAT).toBe('${LOG_FORMAT:-json}');
    // One script for both: an api's readiness over HTTP, a worker's heartbeat in Redis (it has no HTTP).
    expect(s.healthcheck?.test).toEqual(['CMD', 'node', 'dist/healthcheck.js']);
  }
  expect(fs.existsSync(path.join(REPO_ROOT, 'src', 'healthcheck.ts'))).toBe(true); // built to dist/healthcheck.js
  expect(worker.deploy?.resources?.limits).toEqual({ cpus: '${WORKER_CPUS:-2}', memory: '${WORKER_MEMORY:-2g}' });
  expect(dockerfile).toMatch(/^ENV .*\bLOG_FORMAT=json\b/m);
  expect(dockerfile).toMatch(/^HEALTHCHECK .*CMD \["node", "dist\/healthcheck\.js"\]$/m);
});

it('has an .env.example with every variable the compose file uses, at the same default, and no other', () => {
  const used = new Map<string, string>();
  for (const m of composeText.matchAll(/\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g)) used.set(m[1], m[2] ?? '');
  const example = new Map<string, string>();
  for (const line of envExample.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) example.set(m[1], m[2]);
  }
  expect([...example.keys()].sort()).toEqual([...used.keys()].sort());
  for (const [key, fallback] of used) expect({ key, value: example.get(key) }).toEqual({ key, value: fallback });
  // Every line is documented by the comment above it.
  const lines = envExample.split('\n');
  lines.forEach((line, i) => {
    if (/^[A-Z0-9_]+=/.test(line) && !/^[A-Z0-9_]+=/.test(lines[i - 1] ?? '')) expect({ line, above: lines[i - 1] }).toEqual({ line, above: expect.stringMatching(/^# /) });
  });
});

it('builds on Node 24 LTS with a pinned yt-dlp[default] in the managed layout', () => {
  const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  expect(froms).toEqual(['node:24-bookworm-slim', 'node:24-bookworm-slim']);
  expect(dockerfile).toMatch(/^ARG YTDLP_VERSION=\d{4}\.\d{2}\.\d{2}$/m);
  expect(dockerfile).toContain('"yt-dlp[default]==${YTDLP_VERSION}"');
  expect(dockerfile).toMatch(/^ENV TOOLS_DIR=\/opt\/vidpipe\/tools$/m);
  expect(dockerfile).toContain('/opt/vidpipe/tools/yt-dlp/versions/image-${YTDLP_VERSION}');
  expect(dockerfile).toContain('ln -s "versions/image-${YTDLP_VERSION}" /opt/vidpipe/tools/yt-dlp/current');
  expect(dockerfile).toContain('.vidpipe-complete'); // the marker src/tools/ytdlp-layout.ts reads
  expect(dockerfile).toContain('chown -R node:node /opt/vidpipe/tools');
});
