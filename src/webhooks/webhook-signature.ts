// Pure: the X-Vidpipe-Signature header, HMAC-SHA256 of the raw body with the webhook's secret.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_PREFIX = 'sha256=';

export function signatureOf(rawBody: string | Buffer, secret: string): string {
  return SIGNATURE_PREFIX + createHmac('sha256', secret).update(rawBody).digest('hex');
}

/** What a receiver does (and the README shows): compare in constant time over the bytes received. */
export function verifySignature(rawBody: string | Buffer, secret: string, header: string | null | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signatureOf(rawBody, secret));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A secret when the user gives none: 32 random bytes, URL-safe. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;
