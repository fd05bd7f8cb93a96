// Every `code` an HTTP error answer can carry, in one place: ApiError takes only these (a typo fails
// tsc), the OpenAPI document's ApiError.code is this enum, and the web client types its failures with it.
// Pure: no imports (the web client and jest load it). A job's own `error.code` is JOB_ERROR_CODES.

export const API_ERROR_CODES = [
  // Requests the app cannot read
  'invalid_request', // 400: a body or query that fails its schema; the message names the field
  'invalid_json', // 400: a body sent as JSON that does not parse
  'bad_request', // 400: a request refused before any route: an undecodable path (%FF), a malformed body
  'payload_too_large', // 413: a JSON or form body over the parser's limit
  'unsupported_media_type', // 415: a body of a type the route does not take (cookies: not text/plain)
  'not_found', // 404: no such route, job, file, subscription, webhook or user (or another user's)
  'range_not_satisfiable', // 416: a media Range outside the file; Content-Range names the size
  // Sessions and access
  'unauthorized', // 401: no valid session (or no METRICS_TOKEN bearer on /metrics)
  'bad_credentials', // 401 on login: wrong username or password; 403 on a password change: wrong current one
  'too_many_attempts', // 429: too many failed logins for this account or from this address
  'forbidden', // 403: an admin route asked by a user who is not one
  'cross_site_request', // 403: a state-changing request with the cookie from an untrusted origin
  // Jobs
  'invalid_url', // 400: the link is not a usable http(s) URL
  'private_address', // 400: the link points at a loopback, private or otherwise non-public address
  'already_finished', // 409: cancelling a job that has already ended
  'not_retryable', // 409: retrying a job (or collection) that did not fail and was not cancelled
  'storage_full', // 413: the user's stored media reached USER_MAX_MEDIA_BYTES
  'too_many_jobs', // 429: the user has USER_MAX_ACTIVE_JOBS queued or running
  'too_many_submissions', // 429: more than USER_MAX_JOBS_PER_MINUTE new jobs this minute
  'disk_full', // 507: free disk under MIN_FREE_DISK_BYTES; no new jobs or retries
  // Cookies
  'invalid_cookies', // 400: the upload is not a Netscape cookies.txt file
  'cookies_too_large', // 413: a cookies file over its size limit
  // Subscriptions and webhooks
  'interval_too_short', // 400: intervalMinutes under SUBSCRIPTION_MIN_INTERVAL_MINUTES
  'too_many_subscriptions', // 409: the user has USER_MAX_SUBSCRIPTIONS subscriptions
  'already_subscribed', // 409: the user already follows this link
  'too_many_webhooks', // 409: the user has USER_MAX_WEBHOOKS webhooks
  // Accounts
  'username_taken', // 409: creating a user whose name exists (case-insensitive)
  'last_admin', // 409: demoting, disabling or deleting the last enabled admin
  'busy', // 503: another admin change holds the accounts lock; try again
  // Operations
  'ytdlp_not_managed', // 409: asking workers to update a yt-dlp they do not manage
  'unhealthy', // 503: a health check failed; the answer adds the report (status, details)
  'internal_error', // 500: anything unexpected; the details are in the server's log only
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

const known = new Set<string>(API_ERROR_CODES);
export const isApiErrorCode = (code: unknown): code is ApiErrorCode => typeof code === 'string' && known.has(code);
