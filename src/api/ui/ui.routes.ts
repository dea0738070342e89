/**
 * `/_dingread/ui/`: the dashboard, static files from the package's `ui/` folder, read once at start.
 * It is a page over the control plane and the DingTalk API and holds no data of its own, so with an
 * admin token the page itself is served to anyone (it asks for the token); without one, only
 * loopback callers get it, as for the control plane (api/access.ts decides both).
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { PACKAGE_ROOT } from '../../package-root.js';

export const UI_PATH = '/_dingread/ui/';

/** ui/ ships beside dist/, in the package root. */
const UI_DIR = new URL('ui/', PACKAGE_ROOT);

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export function uiRoutes() {
  const assets = new Map(Object.keys(FILES).map((name) => [name, readFileSync(new URL(name, UI_DIR))]));
  return async function register(app: FastifyInstance): Promise<void> {
    const serve = (name: string) => async (_request: unknown, reply: FastifyReply) =>
      reply.headers({ ...SECURITY_HEADERS, 'content-type': FILES[name] as string }).send(assets.get(name));
    const page = { config: { openapi: false } };
    app.get('/_dingread/ui', page, async (_request, reply) => reply.redirect(UI_PATH));
    app.get(UI_PATH, page, serve('index.html'));
    for (const name of Object.keys(FILES)) app.get(`${UI_PATH}${name}`, page, serve(name));
  };
}
