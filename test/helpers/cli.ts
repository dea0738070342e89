/**
 * The `dingread` command as the CLI tests run it: the bundled file that package.json's `bin` names
 * (scripts/bundle.js), in this build, so that the tests run what ships.
 */
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../src/bin.js', import.meta.url));
