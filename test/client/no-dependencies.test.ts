/** `dingread/client` must stay free of runtime dependencies: its files import only each other. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';

const clientDir = fileURLToPath(new URL('../../../src/client/', import.meta.url));

it('imports nothing from outside src/client', () => {
  const files = readdirSync(clientDir).filter((name) => name.endsWith('.ts'));
  assert.ok(files.length >= 3);
  for (const file of files) {
    const source = readFileSync(join(clientDir, file), 'utf8');
    for (const match of source.matchAll(/(?:^|\n)\s*(?:import|export)[^;]*?from\s+'([^']+)'/g)) {
      assert.match(match[1] as string, /^\.\/[\w-]+\.js$/, `${file} imports ${match[1]}`);
    }
  }
});
