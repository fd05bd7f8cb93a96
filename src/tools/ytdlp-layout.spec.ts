import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { removeUnusedVersions } from './ytdlp-installer';
import { COMPLETE_MARKER, takeInstallLock, YtdlpLayout } from './ytdlp-layout';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vidpipe-layout-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function lockHeldBy(layout: YtdlpLayout, pid: number): Promise<void> {
  await fs.mkdir(layout.lock, { recursive: true });
  await fs.writeFile(path.join(layout.lock, 'pid'), String(pid));
}
const lockOwner = (layout: YtdlpLayout) => fs.readFile(path.join(layout.lock, 'pid'), 'utf8').catch(() => null);

describe('the install lock', () => {
  it('is refused while another live process holds it', async () => {
    const layout = new YtdlpLayout(dir);
    await lockHeldBy(layout, process.ppid);
    expect(await takeInstallLock(layout)).toBeNull();
    expect(await lockOwner(layout)).toBe(String(process.ppid));
  });

  it('is taken over from a dead process, and from this very pid (a container worker is pid 1 on every start)', async () => {
    const layout = new YtdlpLayout(dir);
    for (const stale of [2 ** 22 + 12345, process.pid]) {
      await lockHeldBy(layout, stale);
      const unlock = await takeInstallLock(layout);
      expect(unlock).not.toBeNull();
      expect(await lockOwner(layout)).toBe(String(process.pid));
      await unlock!();
      expect(await lockOwner(layout)).toBeNull();
    }
  });

  it('is not removed by its former holder once another process has it', async () => {
    const layout = new YtdlpLayout(dir);
    const unlock = await takeInstallLock(layout);
    await fs.writeFile(path.join(layout.lock, 'pid'), String(process.ppid)); // taken over meanwhile
    await unlock!();
    expect(await lockOwner(layout)).toBe(String(process.ppid));
  });
});

describe('removing unused versions', () => {
  it('keeps the current version when TOOLS_DIR lies behind a symlink', async () => {
    await fs.mkdir(path.join(dir, 'real'));
    await fs.symlink(path.join(dir, 'real'), path.join(dir, 'tools'));
    const layout = new YtdlpLayout(path.join(dir, 'tools'));
    const current = layout.newFolder();
    const old = layout.newFolder(new Date(0));
    for (const folder of [current, old]) {
      await fs.mkdir(folder, { recursive: true });
      await fs.writeFile(path.join(folder, COMPLETE_MARKER), '');
    }
    await layout.switchTo(current);
    const removed = await removeUnusedVersions(layout, new Set());
    expect(removed.map((f) => path.basename(f))).toEqual([path.basename(old)]);
    expect(await layout.currentFolder()).toBe(await fs.realpath(current));
  });
});
