// The Redis keys and channel of sessions and sign-in attempts; only src/auth reads or writes them.
export const sessionKeys = {
  /** A session's record (JSON `{ userId, epoch, createdAt }`) under the digest of its token, with the session's TTL. */
  session: (digest: string) => `vp:session:${digest}`,
  /** The digests of a user's sessions, for ending them all at once. */
  sessionsOfUser: (userId: string) => `vp:sessions:user:${userId}`,
  /** The generated session secret every process sharing the Redis uses when SESSION_SECRET is unset. */
  sessionSecret: 'vp:session-secret',
  /** Failed sign-ins of an account (lower-cased name) and of a client's address block, in the limiter's window. */
  attemptsOfAccount: (username: string) => `vp:login-attempts:account:${username.toLowerCase()}`,
  attemptsOfAddress: (block: string) => `vp:login-attempts:address:${block}`,
} as const;

export const sessionChannels = {
  /** `{ userId, sessionDigest? }`: those sessions are gone; every api process drops their sockets. */
  sessionsRevoked: 'vp:events:sessions-revoked',
} as const;
