/**
 * The contract every command keeps, checked on every command (in this process, through main()):
 * one help layout; usage errors that name the bad flag and show the command's usage line (exit 2);
 * failures as one sentence on stderr (exit 1), or with --json as exactly one JSON object on stdout
 * and nothing else; "cannot reach" worded once; a server that is not dingread named as such.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDingread } from '../../src/testing/index.js';
import { runCli } from '../helpers/cli.js';

/** Every command, with arguments that pass its own checks, so that only the server is left to fail. */
function remoteCalls(file: string): Array<[string, string[]]> {
  return [
    ['status', ['status', 'some-key']],
    ['send', ['send', '--app-key', 'k', '--app-secret', 's', '--robot', 'bot', '--to', 'user001', '--text', 'hi']],
    ['read', ['read', 'some-key', 'user001']],
    ['export', ['export']],
    ['seed', ['seed', file]],
  ];
}

async function listening(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

describe('every command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dingread-contract-'));
  const file = join(dir, 'directory.json');
  let commands: string[];
  before(async () => {
    writeFileSync(file, JSON.stringify({ orgs: [] }));
    const usage = await runCli(['--help']);
    const section = /Commands:\n((?: {2}\S.*\n)+)/.exec(usage.stdout);
    assert.ok(section, usage.stdout);
    commands = (section[1] as string).trimEnd().split('\n').map((line) => line.trim().split(/\s+/)[0] as string);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has help in one layout: usage, description, option sections, examples, exit status', async () => {
    assert.ok(commands.length >= 7, commands.join());
    for (const name of commands) {
      const help = await runCli([name, '--help']);
      assert.equal(help.status, 0, name);
      assert.equal(help.stderr, '');
      const blocks = help.stdout.trimEnd().split('\n\n');
      assert.match(blocks[0] as string, new RegExp(`^Usage: dingread ${name} `), name);
      assert.match(blocks.at(-2) as string, /^Examples:\n( {2}\S.+\n?)+$/, `${name}: examples before the exit status`);
      assert.match(blocks.at(-1) as string, /^Exit status: /, name);
      assert.ok(blocks.some((b) => b.startsWith('Output:\n')), `${name}: an Output section`);
      assert.match(help.stdout, /\n {2}-h, --help {11}show this help\n/, name);
      for (const line of help.stdout.split('\n')) {
        if (!line.startsWith('  dingread ')) assert.ok(line.length <= 100, `${name}: a line over 100 columns: ${line}`);
      }
      // Every option line sits in the same two columns.
      for (const line of help.stdout.split('\n').filter((l) => /^ {2}-/.test(l))) {
        assert.match(line, /^ {2}(-\w, )?--[\w-]+( [A-Z]+)?( {2,}\S.*)?$/, `${name}: ${line}`);
      }
    }
  });

  it('names an unknown flag and shows its own usage line, exit 2', async () => {
    for (const name of commands) {
      const unknown = await runCli([name, '--frobnicate']);
      assert.equal(unknown.status, 2, name);
      assert.equal(unknown.stdout, '');
      const lines = unknown.stderr.trimEnd().split('\n');
      assert.equal(lines[0], `dingread ${name}: unknown option --frobnicate`);
      assert.match(lines[1] as string, new RegExp(`^Usage: dingread ${name} `));
      assert.equal(lines.at(-1), `Run "dingread ${name} --help" for every option and examples.`);
      assert.ok(lines.length <= 5, `${name}: the short usage, not the whole help:\n${unknown.stderr}`);
    }
  });

  it('says what is wrong with a flag: a missing value, a value for a switch, twice, a near miss', async () => {
    const cases: Array<[string[], string]> = [
      [['status', 'k', '--url'], 'dingread status: --url needs a value (URL)'],
      [['status', 'k', '--url', '--users'], 'dingread status: --url needs a value (URL)'],
      [['status', 'k', '--users=yes'], 'dingread status: --users takes no value (given "yes")'],
      [['status', 'k', '--url', 'http://a:1', '--url', 'http://b:2'], 'dingread status: --url is given twice'],
      [['export', '--admin-tokn', 't'], 'dingread export: unknown option --admin-tokn (did you mean --admin-token?)'],
      [['read', 'k', 'u', '-x'], 'dingread read: unknown option -x'],
      [['export', 'extra'], 'dingread export: unexpected argument "extra"'],
      [['status', 'k', '--url', 'not a url'], 'dingread status: --url must look like http://127.0.0.1:3939, not "not a url"'],
      [['serve', '--port', 'abc'], 'dingread serve: --port must be a number from 0 to 65535, not "abc"'],
      [['read', 'k', 'u', '--at', '1.5e12'], 'dingread read: --at must be epoch milliseconds, not "1.5e12"'],
      // One past the latest time a Date holds (8.64e15), which the server would refuse.
      [['read', 'k', 'u', '--at', '8640000000000001'], 'dingread read: --at must be epoch milliseconds, not "8640000000000001"'],
      [['exec', 'npm', 'test'], 'dingread exec: put the command after --, as in: dingread exec [options] -- npm test'],
    ];
    for (const [argv, first] of cases) {
      const result = await runCli(argv);
      assert.equal(result.status, 2, argv.join(' '));
      assert.equal(result.stderr.split('\n')[0], first);
    }
  });

  it('with --json, answers a usage error as one JSON object on stdout and nothing on stderr', async () => {
    for (const name of commands.filter((n) => n !== 'exec')) {
      const result = await runCli([name, '--frobnicate', '--json']);
      assert.equal(result.status, 2, name);
      assert.equal(result.stderr, '', name);
      assert.deepEqual(JSON.parse(result.stdout), { error: { code: 'usage', message: 'unknown option --frobnicate' } });
      assert.equal(result.stdout.trim().split('\n').length, 1);
    }
    const unknown = await runCli(['stauts', '--json']);
    assert.equal(unknown.status, 2);
    assert.deepEqual(JSON.parse(unknown.stdout).error.code, 'usage');
    const text = await runCli(['stauts']);
    assert.match(text.stderr, /^dingread: unknown command "stauts" \(did you mean status\?\)\n/);
  });

  it('words "cannot reach" once, for every command, as text or JSON', async () => {
    const closed = await startDingread();
    const url = closed.url;
    await closed.close();
    const sentence = `cannot reach dingread at ${url} (ECONNREFUSED). Is "dingread serve" running there? Use --url or DINGREAD_URL to point elsewhere.`;
    for (const [name, argv] of remoteCalls(file)) {
      const text = await runCli(argv, { env: { DINGREAD_URL: url } });
      assert.equal(text.status, 1, name);
      assert.equal(text.stdout, '', name);
      assert.equal(text.stderr, `dingread ${name}: ${sentence}\n`);
      const json = await runCli([...argv, '--url', url, '--json']);
      assert.equal(json.status, 1, name);
      assert.equal(json.stderr, '', name);
      assert.deepEqual(JSON.parse(json.stdout), { error: { code: 'unreachable', message: sentence } });
    }
  });

  it('names a server that is not dingread instead of printing its page', async () => {
    // Like a web server that answers every GET with a page and a POST with 501, as python -m http.server does.
    const other = createServer((request, response) => {
      response.writeHead(request.method === 'GET' ? 200 : 501, { 'content-type': 'text/html' });
      response.end('<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>');
    });
    const url = await listening(other);
    try {
      for (const [name, argv] of remoteCalls(file)) {
        const text = await runCli([...argv, '--url', url]);
        assert.equal(text.status, 1, name);
        assert.equal(
          text.stderr,
          `dingread ${name}: ${url} answers, but not as a dingread server (GET /_dingread/health gave HTTP 200, text/html). Check --url or DINGREAD_URL.\n`,
        );
        assert.doesNotMatch(text.stdout + text.stderr, /nginx|<html|HTTP501/);
        const json = await runCli([...argv, '--url', url, '--json']);
        assert.equal(JSON.parse(json.stdout).error.code, 'notDingread', name);
        assert.equal(json.stderr, '');
      }
    } finally {
      other.close();
    }
  });
});
