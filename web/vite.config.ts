import path from 'node:path';
import { defineConfig } from 'vite';

// The client imports the server's job and event types from ../src (pure files, no NestJS).
export default defineConfig({
  root: import.meta.dirname,
  oxc: { jsx: { runtime: 'automatic' } },
  resolve: { alias: { '@server': path.resolve(import.meta.dirname, '../src') } },
  server: { fs: { allow: [path.resolve(import.meta.dirname, '..')] } },
  // hls.js alone is ~580 kB; it is loaded only when something is played.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 700 },
});
