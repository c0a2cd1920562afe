/**
 * The web UI's build: `vite build --config web/vite.config.ts` writes dist/web, which `perpsim serve` serves
 * at `/` (src/api/web-assets.ts). `vite --config web/vite.config.ts` is a dev server with hot reload that
 * forwards the API and the streams to a running `perpsim serve` (PERPSIM_URL, http://127.0.0.1:8080 by default).
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const target = process.env['PERPSIM_URL'] ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: here('.'),
  base: './',
  plugins: [react()],
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    proxy: {
      '/fapi': target,
      '/sim': target,
      '/public': { target, ws: true },
      '/market': { target, ws: true },
      '/private': { target, ws: true },
    },
  },
});
