#!/usr/bin/env node
// Bundles the compiled `dingread` command (dist/src/cli/bin.js and everything it imports, the
// dependencies included) into one CommonJS file, dist/src/bin.cjs, and writes dist/src/bin.js,
// the file package.json's `bin` names, which runs it with V8's code cache
// (src/cli/bundle-launcher.ts). Loading one file instead of the ~500 modules `dingread serve` would
// load otherwise saves about half of its start-up time, and the code cache most of what is left of
// compiling it (bench/README.md). CommonJS because Node 20 caches compiled code only for scripts it
// is handed as text (`vm.Script`), not for ES modules. Runs after tsc (`npm run build`); the
// argument is the build folder.
//
// Left out of the bundle, so loaded from node_modules as usual: better-sqlite3 (a native addon,
// with its own loader), pg (imported only by a PostgreSQL store, and only when one is made) and
// node-forge (imported only when proxy mode first needs a certificate).
// The files must sit in the same folder as the compiled src/package-root.js, whose path to the
// package root (package.json, ui/) holds for the bundle too.
import { build } from 'esbuild';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2] ?? 'dist';

await build({
  entryPoints: [join(out, 'src/cli/bin.js')],
  outfile: join(out, 'src/bin.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['better-sqlite3', 'pg', 'node-forge'],
  // import() of those becomes require(): a script compiled from V8's code cache has no dynamic
  // import (Node 20 keeps the import callback outside the cache).
  supported: { 'dynamic-import': false },
  // A CommonJS file has no import.meta: the modules that ask for their own URL get the bundle's.
  define: { 'import.meta.url': 'bundleFileUrl' },
  banner: { js: "const bundleFileUrl = require('node:url').pathToFileURL(__filename).href;" },
  // Mapped to the TypeScript sources, as tsc's own maps are (for node --enable-source-maps).
  sourcemap: true,
  sourcesContent: false,
  legalComments: 'eof',
  logLevel: 'warning',
});

// The entry's hashbang line, which esbuild keeps, would not parse inside the CommonJS wrapper the
// launcher compiles the bundle in: emptied here once rather than on every start (the line itself
// stays, so that the source map's lines still match).
const bundleFile = join(out, 'src/bin.cjs');
writeFileSync(bundleFile, readFileSync(bundleFile, 'utf8').replace(/^#!.*/, ''));

const launcher = join(out, 'src/bin.js');
writeFileSync(
  launcher,
  [
    '#!/usr/bin/env node',
    '// The `dingread` command: the bundle beside this file, run with V8\'s code cache (scripts/bundle.js).',
    "import { runBundle } from './cli/bundle-launcher.js';",
    '',
    "runBundle(new URL('./bin.cjs', import.meta.url));",
    '',
  ].join('\n'),
);
chmodSync(launcher, 0o755);
