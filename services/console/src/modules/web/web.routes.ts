import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync, statSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import { passThrough } from '../gateway/gateway.routes.ts';

/** Paths the web app never owns: an unknown one there is a JSON 404, not the app. */
const NOT_THE_APP = /^\/(auth|api|healthz|readyz|metrics|docs)(\/|$)/;
const BUILD_HINT = 'the console web app is not built: run `pnpm --filter @stratus/console-web build` (scripts/dev.sh does it)';

/** A file of the build, or undefined: never a path that climbs out of it. */
function fileIn(root: string, path: string): string | undefined {
  const relative = normalize(decodeURIComponent(path)).replace(/^([/\\])+/, '');
  if (relative === '' || relative.startsWith('..')) return undefined;
  const full = join(root, relative);
  if (!full.startsWith(root + sep)) return undefined;
  return existsSync(full) && statSync(full).isFile() ? relative : undefined;
}

/**
 * The built web app: its files as they are, and index.html for any other page a browser asks for
 * (the app routes on the client), so a reload of /inventory/... works.
 */
export async function webRoutes(app: FastifyInstance, { root }: { root: string }) {
  // The build's folder is read per request: a build made while the console runs is served at once.
  await app.register(fastifyStatic, { root, serve: false });
  // The app's pages take any query (filters in the URL).
  app.addHook('onRoute', passThrough);
  app.get('/*', { config: { public: true } }, async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (NOT_THE_APP.test(path)) return reply.code(404).send({ error: 'not_found', message: `route GET ${path} not found` });
    if (!existsSync(join(root, 'index.html'))) return reply.code(503).type('text/plain').send(BUILD_HINT);
    let file: string | undefined;
    try {
      file = fileIn(root, path);
    } catch {
      return reply.code(400).send({ error: 'invalid', message: 'malformed path' });
    }
    // Vite names built assets by their content hash: they never change, so browsers keep them.
    if (file) return reply.sendFile(file, { maxAge: file.startsWith('assets/') ? 31_536_000_000 : 0, immutable: file.startsWith('assets/') });
    const wantsPage = path === '/' || String(request.headers.accept ?? '').includes('text/html');
    if (!wantsPage) return reply.code(404).send({ error: 'not_found', message: `no file ${path}` });
    // The page is checked again each time: it names the assets of the latest build.
    return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
  });
}
