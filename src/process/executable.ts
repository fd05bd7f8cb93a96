import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** The file `command` names (a path, or a name looked up in PATH as execvp would), or null. */
export function resolveExecutable(command: string, envPath: string | undefined = process.env.PATH): string | null {
  const candidates = command.includes('/') ? [command] : (envPath ?? '').split(':').filter(Boolean).map((dir) => path.join(dir, command));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return path.resolve(file);
    } catch {
      // not here
    }
  }
  return null;
}
