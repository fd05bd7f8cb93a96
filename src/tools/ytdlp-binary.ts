import fs from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { runTool } from '../process/run-tool';
import { ytdlpJsRuntimeArgs } from './ytdlp-features';
import { YtdlpLayout } from './ytdlp-layout';

/** The yt-dlp one job runs, from its first yt-dlp run to its last. */
/** How long a managed binary that did not answer is passed over before it is tried again. */
const RETRY_BROKEN_MS = 5 * 60_000;

export interface YtdlpLease {
  path: string;
  version: string | null;
  managed: boolean;
  /** e.g. ['--js-runtimes', `node:${process.execPath}`] when this yt-dlp supports the flag, else []. */
  extraArgs: string[];
  release(): void;
}

export interface YtdlpInfo {
  path: string;
  version: string | null;
  managed: boolean;
  extraArgs: string[];
  /** The managed version folder, for leases and clean-up; null for a system or YTDLP_PATH binary. */
  folder: string | null;
}

const PROBE_TIMEOUT_MS = 20_000;

/**
 * Which yt-dlp this process uses: YTDLP_PATH when set, else the managed one under TOOLS_DIR when
 * installed, else `yt-dlp` on PATH. A lease pins the real version folder, so a switch to a newer
 * install (by this or another process) only reaches the next lease, never a running job.
 */
@Injectable()
export class YtdlpBinary {
  readonly layout: YtdlpLayout;
  private readonly probes = new Map<string, Promise<{ version: string | null; extraArgs: string[] }>>();
  private readonly leasesByFolder = new Map<string, number>();
  /** Managed folders whose binary did not run, and when: the system's is used for a while, then it is tried again. */
  private readonly broken = new Map<string, number>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.layout = new YtdlpLayout(config.toolsDir);
  }

  /** Whether this process may use a managed yt-dlp at all (YTDLP_PATH wins). */
  get manageable(): boolean {
    return !this.config.ytdlpPathExplicit;
  }

  /** The binary the next lease would get, with its version and flags. */
  async current(): Promise<YtdlpInfo> {
    const folder = this.manageable ? await this.layout.currentFolder() : null;
    const brokenAt = folder ? this.broken.get(folder) : undefined;
    if (folder && (brokenAt === undefined || Date.now() - brokenAt > RETRY_BROKEN_MS)) {
      const binary = this.layout.binaryIn(folder);
      const probe = await this.probe(binary);
      if (probe.version) {
        this.broken.delete(folder);
        return { path: binary, managed: true, folder, ...probe };
      }
      // Did not run (or was too slow under load): the system's is better than nothing, for now.
      this.broken.set(folder, Date.now());
    }
    return { path: this.config.ytdlpPath, managed: false, folder: null, ...(await this.probe(this.config.ytdlpPath)) };
  }

  async lease(): Promise<YtdlpLease> {
    const info = await this.current();
    if (info.folder) await this.hold(info.folder);
    let released = false;
    return {
      path: info.path,
      version: info.version,
      managed: info.managed,
      extraArgs: info.extraArgs,
      release: () => {
        if (released) return;
        released = true;
        if (info.folder) void this.letGo(info.folder);
      },
    };
  }

  /** Version folders this process's jobs are running now. */
  foldersInUse(): ReadonlySet<string> {
    return new Set(this.leasesByFolder.keys());
  }

  /** Forget what a binary said (after an install replaced what a path points at). */
  forget(binary: string): void {
    this.probes.delete(binary);
  }

  /** `--version` and `--help` once per binary path: the version, and whether it takes the JS runtime flag. */
  private probe(binary: string): Promise<{ version: string | null; extraArgs: string[] }> {
    let probe = this.probes.get(binary);
    if (!probe) {
      probe = probeBinary(binary);
      this.probes.set(binary, probe);
      // A binary that did not run may be installed later: ask again next time.
      void probe.then((p) => p.version === null && this.probes.get(binary) === probe && this.probes.delete(binary));
    }
    return probe;
  }

  private async hold(folder: string): Promise<void> {
    const count = this.leasesByFolder.get(folder) ?? 0;
    this.leasesByFolder.set(folder, count + 1);
    // Other processes sharing TOOLS_DIR must not remove a folder our jobs run from.
    if (count === 0) await markInUse(this.layout.inUseDir(folder), true);
  }

  private async letGo(folder: string): Promise<void> {
    const count = (this.leasesByFolder.get(folder) ?? 1) - 1;
    if (count > 0) return void this.leasesByFolder.set(folder, count);
    this.leasesByFolder.delete(folder);
    await markInUse(this.layout.inUseDir(folder), false);
  }
}

async function markInUse(dir: string, inUse: boolean): Promise<void> {
  const file = path.join(dir, String(process.pid));
  try {
    if (inUse) {
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(file, '');
    } else {
      await fs.rm(file, { force: true });
    }
  } catch {
    // the folder was removed meanwhile: nothing to mark
  }
}

async function probeBinary(binary: string): Promise<{ version: string | null; extraArgs: string[] }> {
  const run = (args: string[]) =>
    runTool(binary, args, { collectStdout: true, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }).catch(() => null);
  const [version, help] = await Promise.all([run(['--version']), run(['--help'])]);
  const versionLine = version?.exitCode === 0 ? version.stdout.trim().split('\n')[0] || null : null;
  const helpText = help?.exitCode === 0 ? help.stdout : '';
  return { version: versionLine, extraArgs: ytdlpJsRuntimeArgs(helpText, process.execPath) };
}
