import path from 'node:path';
import { ConfigError, parseConfig } from './config';

describe('parseConfig', () => {
  it('has the documented defaults', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      port: 3000, host: '127.0.0.1', role: 'all', runsApi: true, runsWorker: true, redisUrl: undefined,
      downloadConcurrency: 2, transcodeConcurrency: 1, adminUsername: 'admin', allowPrivateUrls: false,
      hlsSegmentSeconds: 4, maxDownloadBytes: null,
    });
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(c.mediaDir).toBe(path.resolve('./data/media'));
  });

  it('reads roles and booleans', () => {
    expect(parseConfig({ ROLE: 'worker' })).toMatchObject({ runsApi: false, runsWorker: true });
    expect(parseConfig({ ROLE: 'api' })).toMatchObject({ runsApi: true, runsWorker: false });
    expect(parseConfig({ ALLOW_PRIVATE_URLS: 'true' }).allowPrivateUrls).toBe(true);
    expect(parseConfig({ ALLOW_PRIVATE_URLS: '0' }).allowPrivateUrls).toBe(false);
  });

  it('reads TRUST_PROXY as Express does: off, hops, or addresses and subnets', () => {
    expect(parseConfig({}).trustProxy).toBe(false);
    expect(parseConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(parseConfig({ TRUST_PROXY: 'loopback, 172.16.0.0/12' }).trustProxy).toBe('loopback, 172.16.0.0/12');
    expect(() => parseConfig({ TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY/);
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig({ PORT: '', REDIS_URL: '' })).toMatchObject({ port: 3000, redisUrl: undefined });
  });

  it.each([
    [{ PORT: 'abc' }, /PORT/],
    [{ ROLE: 'both' }, /ROLE: must be all, api or worker/],
    [{ DOWNLOAD_CONCURRENCY: '0' }, /DOWNLOAD_CONCURRENCY: must be above 0/],
    [{ ALLOW_PRIVATE_URLS: 'maybe' }, /ALLOW_PRIVATE_URLS: must be true or false/],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL: must be a redis:\/\//],
    [{ ADMIN_PASSWORD: 'short' }, /ADMIN_PASSWORD: must be at least 8/],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(message);
  });

  it('lists every bad variable at once', () => {
    expect(() => parseConfig({ PORT: 'x', ROLE: 'y' })).toThrow(/PORT[\s\S]*ROLE/);
  });
});
