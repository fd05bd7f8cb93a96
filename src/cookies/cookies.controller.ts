import { Controller, Delete, Get, HttpCode, Put, Req } from '@nestjs/common';
import type { Request } from 'express';
import { CurrentUser } from '../auth/auth.guard';
import { ApiError } from '../http/api-error';
import type { AuthUser } from '../users/user.types';
import { MAX_COOKIES_FILE_BYTES, parseCookiesFile } from './cookies-file';
import { CookiesService, CookiesStatus } from './cookies.service';

// Anything a browser or curl may label a plain file upload with.
const ACCEPTED_TYPES = new Set(['text/plain', 'application/octet-stream']);

const tooLarge = () =>
  new ApiError(413, 'cookies_too_large', `A cookies file may be at most ${MAX_COOKIES_FILE_BYTES / 1024} KiB; export only the sites you need.`, { maxKiB: MAX_COOKIES_FILE_BYTES / 1024 });

/** The signed-in user's own cookies.txt, for sites that need a login: set, inspect (never a value), remove. */
@Controller('api/me/cookies')
export class CookiesController {
  constructor(private readonly cookies: CookiesService) {}

  @Put()
  @HttpCode(204)
  async put(@CurrentUser() user: AuthUser, @Req() req: Request): Promise<void> {
    const parsed = parseCookiesFile(await readPlainBody(req));
    if (!parsed.ok) throw new ApiError(400, 'invalid_cookies', `This is not a Netscape cookies.txt file. ${parsed.reason}`);
    await this.cookies.save(user.id, parsed.cookies);
  }

  @Get()
  get(@CurrentUser() user: AuthUser): Promise<CookiesStatus> {
    return this.cookies.status(user.id);
  }

  @Delete()
  @HttpCode(204)
  async remove(@CurrentUser() user: AuthUser): Promise<void> {
    await this.cookies.removeAllOf(user.id);
  }
}

/** The raw body, refused past the size limit without buffering the rest (Nest parses only JSON and forms). */
async function readPlainBody(req: Request): Promise<Buffer> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type && !ACCEPTED_TYPES.has(type)) {
    throw new ApiError(415, 'unsupported_media_type', 'Send the cookies.txt file itself as the body, with Content-Type: text/plain.');
  }
  if (Number(req.headers['content-length'] ?? 0) > MAX_COOKIES_FILE_BYTES) throw tooLarge();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Past the limit the rest is read and dropped, not destroyed, so the 413 still reaches the client.
    req.on('data', (chunk: Buffer) => {
      if (size > MAX_COOKIES_FILE_BYTES) return;
      size += chunk.length;
      if (size > MAX_COOKIES_FILE_BYTES) reject(tooLarge());
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
