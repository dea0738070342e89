/**
 * The documents stand alone: every relative link in a markdown file, and every repository path a
 * document names in backticks (`src/…`, `docs/…`), exists in this repository. A user's clone has
 * nothing beside it, so nothing may point outside it either.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

// Compiled to <build>/test/repository/, so the repository root is three levels up.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'test-output', '.git', '.dingread']);
const TOP_LEVEL = '(?:src|test|bench|docs|examples|ui|scripts)';

function markdownFiles(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIPPED_DIRS.has(name) || name.startsWith('dist-')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...markdownFiles(path));
    else if (name.endsWith('.md')) found.push(path);
  }
  return found;
}

/** `src/cli/commands/{status,send}.ts` names two files. */
function expandBraces(path: string): string[] {
  const group = /\{([^}]+)\}/.exec(path);
  if (!group) return [path];
  return group[1]!.split(',').flatMap((choice) => expandBraces(path.replace(group[0], choice)));
}

function missingReferences(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const missing: string[] = [];
  for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
    if (/^[a-z]+:/i.test(target!)) continue;
    if (!existsSync(join(dirname(file), target!))) missing.push(`link ${target}`);
  }
  for (const [, named] of text.matchAll(new RegExp('`(' + TOP_LEVEL + '/[^`\\s]*)`', 'g'))) {
    const path = named!.replace(/[:,.)]+$/, '');
    // Patterns and placeholders name no one file.
    if (/[*<…]|\.\.\./.test(path)) continue;
    for (const one of expandBraces(path)) {
      if (!existsSync(join(root, one)) && !existsSync(join(dirname(file), one))) missing.push(`path ${one}`);
    }
  }
  // A relative path named anywhere in a document, link or not, is a path in this repository:
  // a user's clone has nothing beside it.
  for (const [named] of text.matchAll(/(?:\.\.\/)+[\w.-]+(?:\/[\w.-]+)*/g)) {
    const path = resolve(dirname(file), named);
    if (relative(root, path).startsWith('..')) missing.push(`${named}, outside the repository`);
    else if (!existsSync(path)) missing.push(`path ${named}`);
  }
  return missing;
}

describe('documents', () => {
  const files = markdownFiles(root);

  it('are found', () => {
    assert.ok(files.some((file) => file.endsWith('ARCHITECTURE.md')) && files.length >= 10, files.join(', '));
  });

  it('link and name only what exists in this repository', () => {
    const problems = files.flatMap((file) => missingReferences(file).map((problem) => `${relative(root, file)}: ${problem}`));
    assert.deepEqual(problems, []);
  });
});
