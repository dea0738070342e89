/**
 * The Prism mock the benchmark measures dingread against: what a user would otherwise stand in
 * for DingTalk with (`prism mock` over an OpenAPI document of the same endpoints).
 *
 * Prism is large, so it is not a dependency: the bench installs one pinned version into a cache
 * folder outside the repository the first time, and reuses it after. Its document is derived at
 * bench time from the one dingread serves, so the two never drift.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The newest release that runs on Node 20 (5.15 and later ask for Node 24). */
export const PRISM_VERSION = '5.14.2';

/** Where the bench keeps its Prism between runs. */
export const PRISM_DIR = join(tmpdir(), 'dingread-bench-prism');

const cliOf = (dir: string): string => join(dir, 'node_modules', '@stoplight', 'prism-cli', 'dist', 'index.js');

function installedVersion(dir: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'node_modules', '@stoplight', 'prism-cli', 'package.json'), 'utf8')) as { version?: string };
    return existsSync(cliOf(dir)) ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

/** The telling line of npm's error output, such as `FetchError: request to … failed`. */
function npmError(stderr: string): string {
  const lines = stderr
    .split('\n')
    .filter((line) => line.startsWith('npm error '))
    .map((line) => line.slice('npm error '.length).trim())
    .filter((line) => line !== '');
  const telling = lines.find((line) => !/^(code|syscall|errno) |^at /.test(line)) ?? lines[0] ?? stderr.trim();
  return telling.slice(0, 300);
}

function npmInstall(prefix: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', `@stoplight/prism-cli@${PRISM_VERSION}`];
    const child = spawn('npm', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), 10 * 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`npm install ended with ${signal ?? code}: ${npmError(err)}`));
    });
  });
}

/**
 * Prism's command-line entry point, installing it into `dir` first when it is not there in the
 * pinned version; or why it cannot be had. The install goes to a folder of its own and is renamed
 * into place, so an interrupted install never looks like a finished one.
 */
export async function ensurePrism(dir = PRISM_DIR): Promise<{ cli: string } | { reason: string }> {
  if (installedVersion(dir) === PRISM_VERSION) return { cli: cliOf(dir) };
  const staging = `${dir}.installing-${process.pid}`;
  try {
    rmSync(staging, { recursive: true, force: true });
    await npmInstall(staging);
    if (installedVersion(staging) !== PRISM_VERSION) throw new Error(`npm installed no prism-cli ${PRISM_VERSION}`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
    return { cli: cliOf(dir) };
  } catch (error) {
    return { reason: `could not install @stoplight/prism-cli@${PRISM_VERSION}: ${(error as Error).message}` };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** DingTalk's own routes: what Prism can stand in for. The control plane (/_dingread/*) is dingread's. */
export const isDingTalkPath = (path: string): boolean => path.startsWith('/v1.0/oauth2/') || path.startsWith('/v1.0/robot/');

/**
 * The document Prism serves: dingread's own (`GET /_dingread/openapi.json`) cut down to the
 * DingTalk routes, with only the security schemes they use. Prism 5 reads OpenAPI 3.1, so nothing
 * else is changed.
 */
export function prismDocument(full: Record<string, unknown>): Record<string, unknown> {
  const paths = Object.fromEntries(Object.entries(full['paths'] as Record<string, unknown>).filter(([path]) => isDingTalkPath(path)));
  const used = new Set<string>();
  for (const operations of Object.values(paths) as Array<Record<string, { security?: Array<Record<string, unknown>> }>>) {
    for (const operation of Object.values(operations)) for (const scheme of operation.security ?? []) for (const name of Object.keys(scheme)) used.add(name);
  }
  const components = (full['components'] ?? {}) as Record<string, unknown>;
  const schemes = (components['securitySchemes'] ?? {}) as Record<string, unknown>;
  return {
    ...full,
    paths,
    components: { ...components, securitySchemes: Object.fromEntries(Object.entries(schemes).filter(([name]) => used.has(name))) },
  };
}
