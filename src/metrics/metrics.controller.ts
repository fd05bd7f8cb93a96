import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/auth.guard';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ApiError } from '../http/api-error';
import { MetricsExporter } from './metrics.exporter';

/** Prometheus text for a scraper: no session, `Authorization: Bearer <METRICS_TOKEN>` when that is set. */
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly exporter: MetricsExporter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @Get()
  async scrape(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) res: Response): Promise<string> {
    if (this.config.metricsToken !== null && !sameSecret(bearerOf(authorization), this.config.metricsToken)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new ApiError(401, 'unauthorized', 'Metrics need the METRICS_TOKEN as a bearer token (Authorization: Bearer <token>).');
    }
    const { contentType, body } = await this.exporter.text();
    res.type(contentType);
    return body;
  }
}

function bearerOf(header: string | undefined): string {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1] : '';
}

/** Compared as digests: equal length whatever was sent, and no early exit on the first wrong byte. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
