// The Redis keys of the cookies feature (in the style of src/jobs/job-keys.ts).
export const cookieKeys = {
  /** Hash: `sealed` (the encrypted cookies.txt) and `updatedAt` (ISO time). */
  ofUser: (userId: string) => `vp:cookies:${userId}`,
} as const;
