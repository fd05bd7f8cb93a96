import fs from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { CookiesService } from '../../cookies/cookies.service';
import { createPrivateFolder } from '../../cookies/private-folders';
import { YtdlpBinary } from '../../tools/ytdlp-binary';
import { EgressProxy } from '../egress/egress-proxy';
import { YtdlpSession } from './ytdlp-session';

export interface OpenedYtdlp {
  session: YtdlpSession;
  /** Removes the cookies file, lets the binary go and closes the proxy; safe to call twice. */
  close(): Promise<void>;
}

/**
 * The one place where yt-dlp's binary (managed or the system's), its runtime flag, the owner's
 * cookies and the egress proxy meet. A job opens it once, before its first yt-dlp run, so probe
 * and download run the same binary, and closes it after the last.
 */
@Injectable()
export class YtdlpClient {
  constructor(
    private readonly binary: YtdlpBinary,
    private readonly cookies: CookiesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * `runDir`: the run's own folder (a job's attempt folder, or a subscription check's run folder:
   * jobPaths), whose private folder holds the cookies file for the runs.
   */
  async open(job: { ownerId: string; runDir: string }): Promise<OpenedYtdlp> {
    const lease = await this.binary.lease();
    let egress: EgressProxy | null = null;
    let cookiesFile: string | null = null;
    let privateDir: string | null = null;
    // Every step runs whatever the one before it did: the lease is always let go.
    const close = async (): Promise<void> => {
      try {
        if (cookiesFile) await fs.rm(path.dirname(cookiesFile), { recursive: true, force: true });
        cookiesFile = null;
      } finally {
        try {
          await egress?.close();
          egress = null;
        } finally {
          lease.release();
        }
      }
    };
    try {
      // Unless private URLs are allowed, a redirect or a second DNS answer that leads to a
      // private address is refused when it connects, not only when the job was submitted.
      if (!this.config.allowPrivateUrls) {
        egress = await EgressProxy.start({ allowPrivate: false, allowAddresses: this.config.allowedPrivateAddresses });
      }
      // In a folder only the server's user may enter: yt-dlp writes the jar back on exit, with its umask.
      // It names this process as its owner first, so a sweep removes it if the process is killed.
      privateDir = await createPrivateFolder(job.runDir);
      cookiesFile = await this.cookies.writeJobCookiesFile(job.ownerId, privateDir);
      if (!cookiesFile) await fs.rm(privateDir, { recursive: true, force: true });
    } catch (err) {
      // Whatever failed (e.g. the cookies could not be written), the folder does not outlive the run.
      // A folder that will not go now is the worker's sweep's (it has the owner marker): the open's error matters more.
      if (privateDir) await fs.rm(privateDir, { recursive: true, force: true }).catch(() => undefined);
      await close();
      throw err;
    }
    const session = new YtdlpSession({ binaryPath: lease.path, extraArgs: lease.extraArgs, cookiesFile, egress });
    return { session, close };
  }
}
