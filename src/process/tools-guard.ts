import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { resolveExecutable } from './executable';
import { configureToolLaunch } from './run-tool';
import { pdeathsigLauncherScript } from './tool-guard';
import { ledgerRoot, sweepDeadWorkers, ToolLedger } from './tool-ledger';

/**
 * Makes every tool this process starts die with it (see tool-guard.ts), records them in this
 * process's ledger, and first stops what dead processes of this DATA_DIR on this host left running.
 * All of it in the constructor: it must be in place before any BullMQ worker takes a job.
 */
@Injectable()
export class ToolsGuard implements OnApplicationShutdown {
  private readonly logger = new Logger('Tools');
  readonly ledger: ToolLedger | null;
  /** What fluent-ffmpeg runs: launchers that give ffmpeg/ffprobe the pdeathsig, or the tools themselves. */
  readonly ffmpegPath: string;
  readonly ffprobePath: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const root = ledgerRoot(config.dataDir);
    const swept = sweepDeadWorkers(root);
    if (swept.killed.length) {
      this.logger.warn(`Stopped ${swept.killed.length} tool(s) left running by processes that died (pids ${swept.killed.join(', ')})`);
    }
    this.ledger = ToolLedger.open(root);
    const setprivPath = resolveExecutable('setpriv');
    if (!setprivPath) {
      this.logger.warn('setpriv (util-linux) is missing: a tool may outlive a worker that is killed, until the next worker starts here');
    }
    configureToolLaunch({ setprivPath, ledger: this.ledger });
    const binDir = path.join(config.dataDir, 'run', 'bin');
    this.ffmpegPath = setprivPath ? writeLauncher(binDir, 'ffmpeg', pdeathsigLauncherScript(setprivPath, config.ffmpegPath)) : config.ffmpegPath;
    this.ffprobePath = setprivPath ? writeLauncher(binDir, 'ffprobe', pdeathsigLauncherScript(setprivPath, config.ffprobePath)) : config.ffprobePath;
  }

  /** A clean stop has ended its tools: its ledger goes (only if empty, so a straggler is still swept). */
  onApplicationShutdown(): void {
    try {
      if (this.ledger) fs.rmdirSync(this.ledger.dir);
    } catch {
      // a tool still recorded: the next start sweeps it
    }
  }
}

/** Named by its content, written once and renamed into place: processes sharing DATA_DIR never see half a file. */
function writeLauncher(binDir: string, name: string, script: string): string {
  const dir = path.join(binDir, createHash('sha256').update(script).digest('hex').slice(0, 16));
  const file = path.join(dir, name);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(dir, { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, script, { mode: 0o755 });
  fs.renameSync(temp, file);
  return file;
}
