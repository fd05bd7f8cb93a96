import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { MessageParams } from '../jobs/job.types';
import type { ApiErrorCode } from './api-error-codes';

/**
 * An HTTP error with a stable `code` for machines (one of API_ERROR_CODES), a sentence for people,
 * and `params`: the values in it (a field and its limit…), for clients that say it in another language.
 */
export class ApiError extends HttpException {
  constructor(status: number, code: ApiErrorCode, message: string, params?: MessageParams) {
    super({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message, code, ...(params ? { params } : {}) }, status);
  }
}
