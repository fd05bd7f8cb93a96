import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { ApiError } from './api-error';
import { ApiErrorCode, isApiErrorCode } from './api-error-codes';

/** Every HTTP error leaves as `{ statusCode, error, message, code }`, with `params` when its sentence has values. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    if (exception instanceof HttpException && isJsonParseFailure(exception.cause)) {
      // The parser's own message quotes the start of the body, which may be a secret (a cookies file).
      res.status(400).json(new ApiError(400, 'invalid_json', 'The body is not valid JSON.').getResponse());
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const obj = typeof body === 'object' && body ? (body as Record<string, unknown>) : { message: body };
      if (isHealthReport(obj)) {
        // Terminus's report: say which checks failed, and keep the details.
        const failing = Object.keys(obj.error ?? {}).join(', ') || 'unknown';
        res.status(status).json({ statusCode: status, error: STATUS_CODES[status], message: `Not healthy: ${failing} failed.`, code: 'unhealthy' satisfies ApiErrorCode, status: obj.status, details: obj.details });
        return;
      }
      const message = Array.isArray(obj.message) ? obj.message.join('; ') : String(obj.message ?? exception.message);
      res.status(status).json({
        statusCode: status,
        error: STATUS_CODES[status] ?? 'Error',
        message,
        code: isApiErrorCode(obj.code) ? obj.code : codeForStatus(status),
        ...(obj.params && typeof obj.params === 'object' ? { params: obj.params } : {}),
      });
      return;
    }
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    res.status(500).json(new ApiError(500, 'internal_error', 'Something went wrong on the server.').getResponse());
  }
}

/** body-parser's error for a JSON body it could not read. */
function isJsonParseFailure(cause: unknown): boolean {
  return cause instanceof SyntaxError && (cause as SyntaxError & { type?: string }).type === 'entity.parse.failed';
}

function isHealthReport(obj: Record<string, unknown>): obj is { status: string; error?: Record<string, unknown>; details: unknown } {
  return typeof obj.status === 'string' && typeof obj.details === 'object' && obj.details !== null;
}

// What Nest, Express and body-parser refuse before a route runs: no route (404), an undecodable path
// (400), a body too large (413) or in a charset the parser does not read (415).
const FRAMEWORK_CODES: Partial<Record<number, ApiErrorCode>> = { 400: 'bad_request', 404: 'not_found', 413: 'payload_too_large', 415: 'unsupported_media_type' };

function codeForStatus(status: number): ApiErrorCode {
  return FRAMEWORK_CODES[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');
}
