/**
 * Runs the bundled command (dist/src/bin.cjs, scripts/bundle.js) with V8's code cache, so that a
 * start does not parse and compile the whole 2.6 MB bundle again: the first start of a build keeps
 * what V8 compiled (the bundle's top level and every function run in its first second) in a file,
 * and the next starts hand that to V8. Node 22 does this itself (`module.enableCompileCache`, for
 * ES modules too); Node 20 does not, hence a CommonJS bundle compiled here with `vm.Script`.
 * (The `v8-compile-cache` package does the same for every `require` of a process, by patching
 * Node's module loader, and writes only at exit, which a killed server never reaches.)
 *
 * The cache is a file in the user's own cache folder (`$XDG_CACHE_HOME/dingread`, by default
 * `~/.cache/dingread`), made private: never a shared temporary folder, where another user could
 * leave a file for V8 to load. `DINGREAD_COMPILE_CACHE` names another folder, or `off`. A cache
 * made for another build of the bundle or another Node is made again; one that cannot be read or
 * written is done without, silently: it only saves time.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

/** How long after the start the cache is written: by then `serve` is listening and a command done. */
const WRITE_AFTER_MS = 1000;

type CommonJsWrapper = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

/** Runs the CommonJS bundle at `bundleUrl`, compiled from the cache when there is a good one. */
export function runBundle(bundleUrl: URL, env: NodeJS.ProcessEnv = process.env): void {
  const file = fileURLToPath(bundleUrl);
  // Node maps stack traces (--enable-source-maps) for the modules it loads, not for vm scripts:
  // a process that asked for them loads the bundle as any module, uncached.
  if (process.sourceMapsEnabled) {
    createRequire(import.meta.url)(file);
    return;
  }
  const descriptor = openSync(file, 'r');
  let source: string;
  let key: string;
  try {
    const { size, mtimeMs } = fstatSync(descriptor);
    // The build (its size and time) and the Node that compiled it: V8 checks its own version and
    // flags and the source's length, not its text, so a rebuilt bundle must not meet the old cache.
    key = `${size}:${mtimeMs}:${process.version}:${process.arch}`;
    source = readFileSync(descriptor, 'utf8');
  } finally {
    closeSync(descriptor);
  }
  const cacheFile = cacheFileOf(file, env);
  const cached = cacheFile === undefined ? undefined : readCache(cacheFile, key);
  // The bundle has no hashbang line, which would not parse inside the wrapper (scripts/bundle.js).
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    // No importModuleDynamically: the bundle has no import() (scripts/bundle.js makes them require()).
    ...(cached ? { cachedData: cached.code } : {}),
  });
  if (cacheFile !== undefined) {
    // None, or not for this build: written at exit too, if the command is done within the second.
    // One written so early holds little of what `serve` runs: the first run to last the second writes it again.
    if (cached === undefined || script.cachedDataRejected === true) writeCacheLater(script, cacheFile, key, true);
    else if (!cached.full) writeCacheLater(script, cacheFile, key, false);
  }
  const run = script.runInThisContext() as CommonJsWrapper;
  const bundle = { exports: {} };
  run.call(bundle.exports, bundle.exports, createRequire(file), bundle, file, dirname(file));
}

/** One cache file per bundle's place and Node version; undefined when caching is off or has no folder. */
function cacheFileOf(file: string, env: NodeJS.ProcessEnv): string | undefined {
  const setting = env['DINGREAD_COMPILE_CACHE'];
  if (setting === 'off' || setting === '0') return undefined;
  let folder = setting;
  if (!folder) {
    const home = safeHomedir();
    const cacheHome = env['XDG_CACHE_HOME'] || (home === undefined ? undefined : join(home, '.cache'));
    if (cacheHome === undefined) return undefined;
    folder = join(cacheHome, 'dingread');
  }
  const name = createHash('sha256').update(`${file}\0${process.version}\0${process.arch}`).digest('hex').slice(0, 24);
  return join(folder, `bin-${name}.v8cache`);
}

function safeHomedir(): string | undefined {
  try {
    return homedir() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A cache file is a line, the build's key and `full` or `early` (written at exit before the second
 * was up), then V8's data. The data, when the key is this build's.
 */
function readCache(cacheFile: string, key: string): { code: Buffer; full: boolean } | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const lineEnd = bytes.indexOf(0x0a);
  if (lineEnd < 0) return undefined;
  const [fileKey, kind] = bytes.toString('latin1', 0, lineEnd).split(' ');
  if (fileKey !== key) return undefined;
  return { code: bytes.subarray(lineEnd + 1), full: kind === 'full' };
}

/**
 * Writes what V8 has compiled by then, once: a second after the start, or at exit if that comes
 * first and `atExit`. Written to a file of its own and renamed, so that two starts at once never
 * leave half a cache.
 */
function writeCacheLater(script: vm.Script, cacheFile: string, key: string, atExit: boolean): void {
  let written = false;
  const write = (kind: 'full' | 'early'): void => {
    if (written) return;
    written = true;
    process.off('exit', writeEarly);
    const partial = `${cacheFile}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(cacheFile), { recursive: true, mode: 0o700 });
      writeFileSync(partial, Buffer.concat([Buffer.from(`${key} ${kind}\n`, 'latin1'), script.createCachedData()]), { mode: 0o600 });
      renameSync(partial, cacheFile);
    } catch {
      // A folder that cannot be written (or a full disk): the next start compiles again, as this one did.
      rmSync(partial, { force: true });
    }
  };
  const writeEarly = (): void => write('early');
  setTimeout(() => write('full'), WRITE_AFTER_MS).unref();
  if (atExit) process.on('exit', writeEarly);
}
