/**
 * The web UI (web/, built by `vite build` into dist/web) served at `/` with @fastify/static.
 *
 * Only the files of the build get a route (`wildcard: false`: one GET/HEAD route per file, plus `/` for
 * index.html), so nothing else is shadowed: /fapi, /sim, unknown paths keep the API's 404
 * `{"code":-5000,…}`, and the WebSocket paths (/ws, /market, /public, /private) are upgrades handled on the
 * HTTP server before routing. The pages use hash routes (`#/live`), so no fallback route is needed.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** dist/web, next to dist/src (this file is dist/src/api/web-assets.js once compiled). */
export const DEFAULT_WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');

/** Registers the built UI if `root` holds one; false when it was not built (`npm run build` builds it). */
export function registerWebAssets(app: FastifyInstance, root: string = DEFAULT_WEB_ROOT): boolean {
  if (!existsSync(join(root, 'index.html'))) return false;
  const assets = join(root, 'assets');
  app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    index: 'index.html',
    dotfiles: 'ignore',
    decorateReply: false,
    cacheControl: false,
    setHeaders: (reply, path) => {
      // hashed bundle names never change content; the page itself must be re-read after a rebuild
      reply.header('Cache-Control', path.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  return true;
}
