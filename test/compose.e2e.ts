// docker-compose.yml and the Dockerfile, checked by reading: there is no Docker engine here.
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
}
const compose = parseYaml(fs.readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
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

it('passes only variables the app knows, and lets workers keep their yt-dlp current', () => {
  const known = new Set([...CONFIG_KEYS, 'NODE_ENV']);
  for (const s of [api, worker]) {
    for (const key of Object.keys(s.environment ?? {})) expect(known.has(key) ? key : `unknown: ${key}`).toBe(key);
    expect(s.environment?.YTDLP_AUTO_UPDATE).toBe('${YTDLP_AUTO_UPDATE:-true}');
    // Unset YTDLP_PATH is what makes the image's yt-dlp managed.
    expect(s.environment?.YTDLP_PATH).toBeUndefined();
  }
  expect(worker.environment?.DOWNLOAD_CONCURRENCY).toBeDefined();
  expect(api.environment?.TRUST_PROXY).toBeDefined();
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
