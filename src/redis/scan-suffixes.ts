import type { Redis } from 'ioredis';

/** What follows `prefix` in every key that starts with it (SCAN, a page of 500 at a time: never KEYS). */
export async function scanSuffixes(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, page] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    found.push(...page.map((k) => k.slice(prefix.length)));
    cursor = next;
  } while (cursor !== '0');
  return found;
}
