import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { ApiErrorCode } from './api-error-codes';

/** An HTTP error with a stable `code` for machines (one of API_ERROR_CODES) and a sentence for people. */
export class ApiError extends HttpException {
  constructor(status: number, code: ApiErrorCode, message: string) {
    super({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message, code }, status);
  }
}
