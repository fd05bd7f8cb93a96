import fs from 'node:fs/promises';
import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentUser } from '../auth/auth.guard';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ApiError } from '../http/api-error';
import { hlsFolder, jobPaths } from '../jobs/job-paths';
import { JobsService } from '../jobs/jobs.service';
import { fileExtFor, FileKind } from '../pipeline/ffmpeg/file-args';
import type { AuthUser } from '../users/user.types';
import { attachmentDisposition } from './content-disposition';
import { contentTypeFor } from './media-path';
import { sendMediaFile } from './send-media-file';

const noFile = () => new ApiError(404, 'not_found', 'There is no such file.');

/** GET /api/jobs/:id/file: the finished video as one file, named after its title, with ranges (416 past its end). */
@Controller('api/jobs')
export class JobFileController {
  constructor(
    private readonly jobs: JobsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get(':id/file')
  async download(@CurrentUser() user: AuthUser, @Param('id') id: string, @Res() res: Response): Promise<void> {
    // Another user's job, a deleted one and a missing one all answer the same 404.
    const job = await this.jobs.visible(user, id);
    if (job.state !== 'completed' || !job.result?.fileUrl) throw noFile();
    const found = await this.fileOf(job.id);
    if (!found) throw noFile();
    const { file, kind } = found;
    res.setHeader('Content-Type', contentTypeFor(file));
    res.setHeader('Content-Disposition', attachmentDisposition(job.title, fileExtFor(kind), `${kind}-${job.id}`));
    res.setHeader('Cache-Control', 'private, max-age=86400');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    await sendMediaFile(res, file, noFile);
  }

  /** The transcode wrote file.mp4, or file.m4a for audio (audio-only sources too, whatever the format asked). */
  private async fileOf(jobId: string): Promise<{ file: string; kind: FileKind } | null> {
    const published = hlsFolder(jobPaths(this.config).media(jobId));
    for (const kind of ['video', 'audio'] as const) {
      const file = published.file(fileExtFor(kind));
      if ((await fs.stat(file).catch(() => null))?.isFile()) return { file, kind };
    }
    return null;
  }
}
