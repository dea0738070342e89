/**
 * `/_dingread/ui/`: the dashboard, static files from the package's `ui/` folder and its subfolders
 * (HTML, CSS and JavaScript modules), read once at start.
 * It is a page over the control plane and the DingTalk API and holds no data of its own, so with an
 * admin token the page itself is served to anyone (it asks for the token); without one, only
 * loopback callers get it, as for the control plane (api/access.ts decides both).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { PACKAGE_ROOT } from '../../package-root.js';

export const UI_PATH = '/_dingread/ui/';

/** ui/ ships beside dist/, in the package root. */
const UI_DIR = new URL('ui/', PACKAGE_ROOT);

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** Every file of ui/ the page may load, by its path below ui/ (`lib/dom.js`), with its content type. */
function uiFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const folder = fileURLToPath(UI_DIR);
  for (const path of readdirSync(folder, { recursive: true, encoding: 'utf8' })) {
    const type = CONTENT_TYPES[extname(path).slice(1)];
    if (type !== undefined && statSync(join(folder, path)).isFile()) files.set(path.split(sep).join('/'), type);
  }
  return files;
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data: blob:; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export function uiRoutes() {
  const files = uiFiles();
  const assets = new Map([...files.keys()].map((name) => [name, readFileSync(new URL(name, UI_DIR))]));
  return async function register(app: FastifyInstance): Promise<void> {
    const serve = (name: string) => async (_request: unknown, reply: FastifyReply) =>
      reply.headers({ ...SECURITY_HEADERS, 'content-type': files.get(name) as string }).send(assets.get(name));
    const page = { config: { openapi: false } };
    app.get('/_dingread/ui', page, async (_request, reply) => reply.redirect(UI_PATH));
    app.get(UI_PATH, page, serve('index.html'));
    for (const name of files.keys()) app.get(`${UI_PATH}${name}`, page, serve(name));
  };
}
