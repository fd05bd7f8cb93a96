import path from 'node:path';
import { defineConfig } from 'vite';

// The client imports the server's job and event types from ../src (pure files, no NestJS).
export default defineConfig({
  root: import.meta.dirname,
  oxc: { jsx: { runtime: 'automatic' } },
  resolve: { alias: { '@server': path.resolve(import.meta.dirname, '../src') } },
  server: { fs: { allow: [path.resolve(import.meta.dirname, '..')] } },
  // No source maps in dist: the api serves dist as it is, and the sources are not for the public.
  // hls.js's full build (~560 kB, 174 kB gzipped) is its own chunk, fetched only to play a video
  // with subtitles: a size warning about it would be noise in every build.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
});
