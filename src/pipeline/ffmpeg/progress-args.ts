/**
 * Every ffmpeg run reports progress on stdout, even one that would otherwise be silent (a remux
 * at -loglevel error): the stall watch takes silence for a hung tool, and a long remux is not one.
 */
export function withProgress(inputOptions: readonly string[]): string[] {
  return inputOptions.includes('-progress') ? [...inputOptions] : ['-nostats', '-progress', 'pipe:1', ...inputOptions];
}
