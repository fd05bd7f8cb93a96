// The Redis keys of stored cookies; only src/cookies/cookie-records.ts reads or writes them.
export const cookieKeys = {
  /** Hash: `sealed` (the encrypted cookies.txt) and `updatedAt` (ISO time). */
  ofUser: (userId: string) => `vp:cookies:${userId}`,
} as const;
