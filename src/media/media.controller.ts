import fs from 'node:fs/promises';
import path from 'node:path';
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CurrentUser } from '../auth/auth.guard';
import type { AuthUser } from '../users/user.types';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ApiError } from '../http/api-error';
import { jobPaths, PREVIEW_DIR } from '../jobs/job-paths';
import { JobsService } from '../jobs/jobs.service';
import { contentTypeFor, mediaPathSegments } from './media-path';
import { sendMediaFile } from './send-media-file';

const noSuchFile = () => new ApiError(404, 'not_found', 'There is no such file.');

/** A job's HLS files (and its preview while it transcodes), to its owner (and admins) only, with ranges and exact content types. */
@Controller('media')
export class MediaController {
  constructor(
    private readonly jobs: JobsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get(':jobId/*file')
  async serve(@CurrentUser() user: AuthUser, @Req() req: Request, @Res() res: Response): Promise<void> {
    const segments = mediaPathSegments(req.params.jobId, req.params.file);
    if (!segments) throw noSuchFile();
    const job = await this.jobs.visible(user, req.params.jobId as string);
    const preview = segments[0] === PREVIEW_DIR;
    // The preview is the current attempt's work folder, and only while it transcodes: gone after.
    if (preview && (job.state !== 'transcoding' || segments.length < 2)) throw noSuchFile();
    const paths = jobPaths(this.config);
    const root = preview ? paths.hls(job.id, job.attempt) : paths.media(job.id);
    const file = path.join(root, ...(preview ? segments.slice(1) : segments));
    // Symlinks must not lead out of the job's folder.
    const [realRoot, realFile] = await Promise.all([fs.realpath(root), fs.realpath(file)]).catch(() => [null, null]);
    if (!realRoot || !realFile || !realFile.startsWith(realRoot + path.sep)) {
      throw noSuchFile();
    }
    res.setHeader('Content-Type', contentTypeFor(realFile));
    // A growing playlist must be fetched afresh; its segments never change once listed.
    res.setHeader('Cache-Control', preview && realFile.endsWith('.m3u8') ? 'private, no-cache' : 'private, max-age=86400');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    await sendMediaFile(res, realFile, noSuchFile);
  }
}
