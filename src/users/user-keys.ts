// The Redis keys of accounts; only src/users/user-records.ts reads or writes them.
export const userKeys = {
  /** Hash: the stored user (see StoredUser). */
  user: (id: string) => `vp:user:${id}`,
  /** Hash: lower-cased username → id (the name is claimed with HSETNX, so two creations cannot share it). */
  usersByName: 'vp:users:byname',
  /** Set: every user id. */
  users: 'vp:users',
  /** One admin change at a time across every api process (the last-admin check). */
  adminsLock: 'vp:lock:admins',
} as const;
