/**
 * The package's root folder, where package.json and ui/ ship beside dist/. It is found from this
 * file's place, dist/src/; the bundled command (dist/src/bin.js, scripts/bundle.js) sits in the
 * same folder, so the same path holds there.
 */
export const PACKAGE_ROOT = new URL('../../', import.meta.url);
