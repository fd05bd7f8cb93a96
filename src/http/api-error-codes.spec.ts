import { API_ERROR_CODES, isApiErrorCode } from './api-error-codes';

describe('API_ERROR_CODES', () => {
  it('lists each code once, in snake_case', () => {
    expect(new Set(API_ERROR_CODES).size).toBe(API_ERROR_CODES.length);
    for (const code of API_ERROR_CODES) expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });

  it('tells its codes from anything else', () => {
    expect(isApiErrorCode('not_found')).toBe(true);
    expect(isApiErrorCode('Not Found')).toBe(false);
    expect(isApiErrorCode('request_timeout')).toBe(false);
    expect(isApiErrorCode(undefined)).toBe(false);
    expect(isApiErrorCode(404)).toBe(false);
  });
});
