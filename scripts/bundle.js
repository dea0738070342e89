#!/usr/bin/env node
// Bundles the compiled `dingread` command (dist/src/cli/bin.js and everything it imports, the
// dependencies included) into one ESM file, dist/src/bin.js, which package.json's `bin` names.
// Loading one file instead of the ~500 modules `dingread serve` would load otherwise saves about
// half of its start-up time (bench/README.md). Runs after tsc (`npm run build`); the argument is the build folder.
//
// Left out of the bundle, so loaded from node_modules as usual: better-sqlite3 (a native addon,
// with its own loader), pg (imported only by a PostgreSQL store, and only when one is made) and
// node-forge (imported only when proxy mode first needs a certificate).
// The file must sit in the same folder as the compiled src/package-root.js, whose path to the
// package root (package.json, ui/) holds for the bundle too.
import { build } from 'esbuild';
import { join } from 'node:path';

const out = process.argv[2] ?? 'dist';

await build({
  entryPoints: [join(out, 'src/cli/bin.js')],
  outfile: join(out, 'src/bin.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'pg', 'node-forge'],
  // The CommonJS dependencies (Fastify, Ajv…) call require() for Node's own modules; an ES module
  // has no require of its own.
  banner: { js: "import { createRequire as createRequireForBundle } from 'node:module';\nconst require = createRequireForBundle(import.meta.url);" },
  // Mapped to the TypeScript sources, as tsc's own maps are (for node --enable-source-maps).
  sourcemap: true,
  sourcesContent: false,
  legalComments: 'eof',
  logLevel: 'warning',
});
