// yt-dlp as vidpipe manages it: the system's when the package index is out of reach (this
// machine), and a managed install, update and failed update against a loopback package index.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { addUser, api, login, logInAs } from './support/api';
import { type AppProcess, spawnApp, startApp } from './support/app';
import { urlOf, useStack } from './support/stack';
import { makeTempDir, removeDir, runOk, sleep } from './support/util';

async function waitForLog(app: AppProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = pattern.exec(app.logs());
    if (m) return m[0];
    if (Date.now() > deadline) throw new Error(`no log line matching ${pattern} within ${timeoutMs} ms:\n${app.logs()}`);
    await sleep(100);
  }
}

async function adminAndUser(baseUrl: string) {
  const admin = await logInAs(baseUrl);
  return { admin, user: await addUser(admin, 'someone') };
}

// Out of reach like this machine's PyPI, without a packet leaving 127.0.0.1: nothing listens on port 9.
const UNREACHABLE_INDEX = { YTDLP_PATH: '', PIP_INDEX_URL: 'http://127.0.0.1:9/simple/' };

describe('with YTDLP_PATH unset and the package index out of reach', () => {
  const stack = useStack({ redis: true });

  it('starts as fast as with YTDLP_PATH set, says in one line that it uses the system yt-dlp, and reports its age', async () => {
    let t = Date.now();
    const pinned = await startApp({ redisUrl: stack.redis.url, env: { YTDLP_PATH: 'yt-dlp' } });
    const pinnedMs = Date.now() - t;
    await pinned.stop();
    const dataDir = await makeTempDir('vidpipe-ytdlp-');
    let app: AppProcess | undefined;
    try {
      t = Date.now();
      app = await startApp({ redisUrl: stack.redis.url, dataDir, env: UNREACHABLE_INDEX });
      const managedMs = Date.now() - t;
      expect(managedMs).toBeLessThan(pinnedMs + 1500);

      const line = await waitForLog(app, /yt-dlp: using the system's 2023\.03\.04 \(the Python package index is not reachable;[^\n]*/, 10_000);
      expect(app.logs().match(/yt-dlp: /g)).toHaveLength(1);
      expect(line).toMatch(/set YTDLP_PATH/);

      const health = await api(app.baseUrl, '').get('/api/health');
      expect(health.status).toBe(200);
      expect(health.body.details.ytdlp).toMatchObject({ status: 'up', version: '2023.03.04', managed: false, stale: true });
      expect(health.body.details.ytdlp.ageDays).toBeGreaterThan(1000);
      expect(health.body.details.ytdlp.message).toMatch(/install a current yt-dlp .*YTDLP_PATH/);

      // The worker may manage its own and only fell back: an admin can make it try again now.
      const { admin, user } = await adminAndUser(app.baseUrl);
      const again = await admin.post('/api/admin/ytdlp/update');
      expect(again.status).toBe(202);
      expect(again.body).toEqual({ workers: 1 });
      // A second "using the system's" line: it went to the index again and found it still out of reach.
      await waitForLog(app, /yt-dlp: using the system's 2023\.03\.04 \(the Python package index is not reachable;[\s\S]*yt-dlp: using the system's 2023\.03\.04 \(the Python package index is not reachable;/, 10_000);
      expect((await user.post('/api/admin/ytdlp/update')).status).toBe(403);
      expect((await api(app.baseUrl, '').post('/api/admin/ytdlp/update')).status).toBe(401);
      await app.stop();

      // A second start within the hour remembers the failure instead of trying again.
      app = await startApp({ redisUrl: stack.redis.url, dataDir, env: UNREACHABLE_INDEX });
      await waitForLog(app, /yt-dlp: using the system's 2023\.03\.04 \(the Python package index is not reachable, \d+ minutes? ago/, 10_000);
      await app.stop();

      // With YTDLP_PATH set no worker manages one: nothing to update, said in a sentence.
      app = await startApp({ redisUrl: stack.redis.url, env: { YTDLP_PATH: 'yt-dlp' } });
      const refused = await api(app.baseUrl, (await login(app.baseUrl)).token).post('/api/admin/ytdlp/update');
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('ytdlp_not_managed');
      expect(refused.body.message).toMatch(/no managed yt-dlp to update.*YTDLP_PATH is set/);
    } finally {
      await app?.stop();
      await removeDir(dataDir);
    }
  }, 90_000);

  it('a YTDLP_PATH that does not run makes health 503 naming ytdlp', async () => {
    const app = await spawnApp({ redisUrl: stack.redis.url, env: { YTDLP_PATH: '/nonexistent/yt-dlp' } });
    try {
      await waitForLog(app, /listening on/, 20_000);
      const health = await api(app.baseUrl, '').get('/api/health');
      expect(health.status).toBe(503);
      expect(health.body.message).toBe('Not healthy: ytdlp failed.');
      expect(health.body.details.ytdlp.status).toBe('down');
      await waitForLog(app, /yt-dlp: using YTDLP_PATH \/nonexistent\/yt-dlp \(it does not run\)/, 10_000);
    } finally {
      await app.stop();
    }
  }, 60_000);
});

/** A yt-dlp version `daysAgo` days before today, as yt-dlp prints it (2026.11.19) and as PEP 440 reads it. */
function versionDaysAgo(daysAgo: number): { printed: string; pep440: string } {
  const d = new Date(Date.now() - daysAgo * 86_400_000);
  const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
  return { printed: `${y}.${String(m).padStart(2, '0')}.${String(day).padStart(2, '0')}`, pep440: `${y}.${m}.${day}` };
}

// A stand-in for yt-dlp: a real wheel named yt-dlp whose entry point answers --version and --help
// (listing --js-runtimes, like a current yt-dlp) and hands anything else to the system's yt-dlp.
const BUILD_WHEEL_PY = `
import base64, hashlib, sys, zipfile
out, version, printed, system = sys.argv[1:5]
mod = f'''import os, sys
HELP = """Usage: yt-dlp [OPTIONS] URL [URL...]

Options:
  General Options:
    --js-runtimes RUNTIME[:PATH]    Additional JavaScript runtime to enable
"""
def main():
    if "--version" in sys.argv[1:]:
        print({printed!r}); return 0
    if "--help" in sys.argv[1:]:
        print(HELP); return 0
    os.execv({system!r}, ["yt-dlp"] + sys.argv[1:])
'''
dist = f'yt_dlp-{version}.dist-info'
files = {
  'vidpipe_ytdlp_standin.py': mod,
  f'{dist}/METADATA': f'Metadata-Version: 2.1\\nName: yt-dlp\\nVersion: {version}\\nProvides-Extra: default\\n',
  f'{dist}/WHEEL': 'Wheel-Version: 1.0\\nGenerator: vidpipe-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n',
  f'{dist}/entry_points.txt': '[console_scripts]\\nyt-dlp = vidpipe_ytdlp_standin:main\\n',
}
record = []
with zipfile.ZipFile(out, 'w') as z:
  for name, text in files.items():
    data = text.encode()
    z.writestr(name, data)
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
    record.append(f'{name},sha256={digest},{len(data)}')
  record.append(f'{dist}/RECORD,,')
  z.writestr(f'{dist}/RECORD', '\\n'.join(record) + '\\n')
`;

describe('a managed yt-dlp, against a loopback package index', () => {
  const stack = useStack({});
  let indexUrl: string;
  let dir: string;
  /** The wheel the index offers now. */
  let offered: { name: string; bytes: Buffer };
  const requests: string[] = [];

  const offer = (file: string) => {
    offered = { name: path.basename(file).replace(/^broken-/, ''), bytes: fs.readFileSync(file) };
  };

  beforeAll(async () => {
    dir = await stack.tempDir('vidpipe-pypi-');
    const index = await stack.listen((req, res) => {
      requests.push(req.url ?? '');
      const sha = crypto.createHash('sha256').update(offered.bytes).digest('hex');
      if (req.url === '/simple/yt-dlp/') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(`<!DOCTYPE html><html><body><a href="/files/${offered.name}#sha256=${sha}">${offered.name}</a></body></html>`);
      }
      if (req.url === `/files/${offered.name}`) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': offered.bytes.length });
        return res.end(offered.bytes);
      }
      res.writeHead(404).end();
    });
    indexUrl = `${urlOf(index)}/simple/`;
  });

  it('installs at start without delaying it, updates on an admin request, and keeps the previous one when an update fails', async () => {
    const system = (await runOk('sh', ['-c', 'command -v yt-dlp'])).stdout.trim();
    const v1 = versionDaysAgo(10);
    const v2 = versionDaysAgo(1);
    const wheel = async (v: { printed: string; pep440: string }) => {
      const file = path.join(dir, `yt_dlp-${v.pep440}-py3-none-any.whl`);
      await runOk('python3', ['-c', BUILD_WHEEL_PY, file, v.pep440, v.printed, system]);
      return file;
    };
    offer(await wheel(v1));
    const dataDir = await makeTempDir('vidpipe-managed-');
    const app = await startApp({ dataDir, env: { YTDLP_PATH: '', PIP_INDEX_URL: indexUrl } });
    try {
      // Ready before the install is done: the install runs in the background.
      expect(app.logs()).not.toMatch(/yt-dlp: installed/);
      await waitForLog(app, new RegExp(`yt-dlp: installed ${v1.printed.replace(/\./g, '\\.')} into `), 120_000);
      expect(requests).toContain(`/files/${offered.name}`);
      const root = path.join(dataDir, 'tools', 'yt-dlp');
      const firstFolder = fs.realpathSync(path.join(root, 'current'));
      expect(fs.readdirSync(path.join(root, 'versions'))).toEqual([path.basename(firstFolder)]);
      await expectHealthVersion(app, v1.printed, 10);

      const { admin, user } = await adminAndUser(app.baseUrl);
      expect((await user.post('/api/admin/ytdlp/update')).status).toBe(403);
      offer(await wheel(v2));
      const accepted = await admin.post('/api/admin/ytdlp/update');
      expect(accepted.status).toBe(202);
      expect(accepted.body).toEqual({ workers: 1 });
      await waitForLog(app, new RegExp(`yt-dlp: updated ${v1.printed.replace(/\./g, '\\.')} → ${v2.printed.replace(/\./g, '\\.')}`), 120_000);
      const secondFolder = fs.realpathSync(path.join(root, 'current'));
      expect(secondFolder).not.toBe(firstFolder);
      // No job held the old one, so it is gone.
      expect(fs.readdirSync(path.join(root, 'versions'))).toEqual([path.basename(secondFolder)]);
      await expectHealthVersion(app, v2.printed, 1);

      // A download that is not a wheel: pip fails mid-install and the current one stays.
      const broken = path.join(dir, `broken-yt_dlp-${versionDaysAgo(0).pep440}-py3-none-any.whl`);
      fs.writeFileSync(broken, 'this is not a wheel');
      offer(broken);
      expect((await admin.post('/api/admin/ytdlp/update')).status).toBe(202);
      await waitForLog(app, new RegExp(`yt-dlp: keeping the managed ${v2.printed.replace(/\./g, '\\.')} \\(the update failed: pip could not install`), 120_000);
      expect(fs.realpathSync(path.join(root, 'current'))).toBe(secondFolder);
      expect(fs.readdirSync(path.join(root, 'versions'))).toEqual([path.basename(secondFolder)]);
      await expectHealthVersion(app, v2.printed, 1);
    } finally {
      await app.stop();
      await removeDir(dataDir);
    }
  }, 300_000);
});

/** Health caches its yt-dlp check for 10 s: wait for it to show the version. */
async function expectHealthVersion(app: AppProcess, version: string, ageDays: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  let last: unknown;
  while (Date.now() < deadline) {
    const health = await api(app.baseUrl, '').get('/api/health');
    last = health.body?.details?.ytdlp;
    if (health.status === 200 && health.body.details.ytdlp.version === version) {
      expect(health.body.details.ytdlp).toMatchObject({ managed: true, ageDays, stale: false });
      expect(health.body.details.ytdlp.message).toBeUndefined();
      return;
    }
    await sleep(500);
  }
  throw new Error(`health never showed yt-dlp ${version}; last: ${JSON.stringify(last)}`);
}
