import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';

// Sealed blob: "v1." + base64url(iv | tag | ciphertext); the version leaves room for a new scheme.
const VERSION = 'v1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SALT = 'vidpipe:cookies:v1';

/** A 256-bit key from COOKIES_KEY or the session secret; scrypt because COOKIES_KEY may be a passphrase. */
export function deriveCookiesKey(secret: string | Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, SALT, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** AES-256-GCM with a fresh IV; the user id is authenticated, so a blob moved to another user does not open. */
export function sealCookies(key: Buffer, userId: string, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(userId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return VERSION + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
}

/** The plaintext, or null when the blob was not sealed for this user with this key (or was altered). */
export function openCookies(key: Buffer, userId: string, sealed: string): string | null {
  if (!sealed.startsWith(VERSION)) return null;
  const raw = Buffer.from(sealed.slice(VERSION.length), 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(userId, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
