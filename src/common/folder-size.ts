import fs from 'node:fs/promises';
import path from 'node:path';

/** Bytes of every file under `dir` (0 when it does not exist), but for names `skip` matches. */
export async function folderSize(dir: string, skip?: RegExp): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile() || skip?.test(entry.name)) continue;
    total += (await fs.stat(path.join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
