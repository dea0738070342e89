#!/usr/bin/env node
/**
 * The `dingread` executable (bundled into dist/src/bin.js by scripts/bundle.js): main() with the
 * process's own streams, environment and signals, then exit with its status.
 */
// First: before anything else loaded makes a full garbage collection (keep-tick-shape.ts).
import './keep-tick-shape.js';
import { main } from './main.js';
import { processIo } from './io.js';

/** Once the command is done, something left open (a stuck socket) must not keep the process alive for long. */
const LINGER_MS = 2_000;

main(process.argv.slice(2), processIo()).then(
  (status) => {
    process.exitCode = status;
    setTimeout(() => process.exit(status), LINGER_MS).unref();
  },
  (error: unknown) => {
    process.stderr.write(`dingread: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
