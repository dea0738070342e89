/** `dingread exec` as a user runs it: a real process that starts a server, runs a command and exits with its status. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { MAIN, runCli } from '../helpers/cli.js';

/** A node one-liner to run under exec. */
const nodeScript = (source: string): string[] => [process.execPath, '--input-type=module', '-e', source];

function exec(args: string[], command: string[]) {
  return spawnSync(process.execPath, [MAIN, 'exec', ...args, '--', ...command], { encoding: 'utf8', timeout: 30_000 });
}

describe('dingread exec', () => {
  it('runs the command against a fresh demo server, with its address and credentials in the environment', () => {
    const result = exec(
      ['--demo'],
      nodeScript(`
        const env = process.env;
        const health = await (await fetch('http://' + env.DINGREAD_ENDPOINT + '/_dingread/health')).json();
        const token = await (await fetch(env.DINGREAD_URL + '/v1.0/oauth2/accessToken', {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ appKey: env.DINGREAD_APP_KEY, appSecret: env.DINGREAD_APP_SECRET }),
        })).json();
        console.log(JSON.stringify({ url: env.DINGREAD_URL, store: health.store, robot: env.DINGREAD_ROBOT_CODE, token: token.accessToken }));
        process.exit(7);
      `),
    );
    assert.equal(result.status, 7, result.stderr);
    const seen = JSON.parse(result.stdout.trim());
    assert.match(seen.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(seen.store, 'memory');
    assert.equal(seen.robot, 'dingdemobot');
    assert.match(seen.token, /^[0-9a-f]{32}$/);
    assert.match(result.stderr, /listening on http:\/\/127\.0\.0\.1:\d+ for /);
  });

  it('passes a signal on to the command, exits with its status and stops the server', async () => {
    const child = spawn(
      process.execPath,
      [MAIN, 'exec', '--quiet', '--', ...nodeScript(`
        process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(5); });
        console.log('ready ' + process.env.DINGREAD_URL);
        setInterval(() => {}, 1000);
      `)],
      { stdio: 'pipe' },
    );
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line; stderr: ${err}`)), 20_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /ready (\S+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1] as string);
        }
      });
    });
    assert.equal((await fetch(`${url}/_dingread/health`)).status, 200);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 5, err);
    assert.match(out, /got SIGTERM/);
    assert.equal(err, '', '--quiet prints nothing');
    await assert.rejects(fetch(`${url}/_dingread/health`), 'the server is gone');
  });

  it('exits 128 + n for a command killed by signal n, 127 for a missing program', () => {
    assert.equal(exec([], ['sh', '-c', 'kill -KILL $$']).status, 128 + 9);
    const missing = exec(['--quiet'], ['dingread-no-such-program']);
    assert.equal(missing.status, 127);
    assert.match(missing.stderr, /cannot run dingread-no-such-program/);
  });

  it('takes the serve options: a seed, a QPS limit, an admin token', () => {
    const result = exec(
      ['--seed', '7', '--qps-limit', '0', '--admin-token', 'tok'],
      nodeScript(`
        const env = process.env;
        const answer = await fetch(env.DINGREAD_URL + '/_dingread/v1/clock', { headers: { authorization: 'Bearer ' + env.DINGREAD_ADMIN_TOKEN } });
        console.log(answer.status, answer.headers.get('x-acs-request-id'));
      `),
    );
    assert.equal(result.status, 0, result.stderr);
    const again = exec(['--seed', '7', '--admin-token', 'tok'], nodeScript(`
      const answer = await fetch(process.env.DINGREAD_URL + '/_dingread/v1/clock', { headers: { authorization: 'Bearer tok' } });
      console.log(answer.status, answer.headers.get('x-acs-request-id'));
    `));
    assert.match(result.stdout, /^200 [0-9A-F-]{36}\n$/);
    assert.equal(again.stdout, result.stdout, 'the same seed gives the same request id');
  });

  it('explains a missing command and bad options', async () => {
    const none = await runCli(['exec']);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^dingread exec: name the command to run after --, as in: dingread exec -- npm test\nUsage: dingread exec /);
    const badQps = await runCli(['exec', '--qps-limit', 'lots', '--', 'true']);
    assert.equal(badQps.status, 2);
    assert.match(badQps.stderr, /--qps-limit must be a whole number/);
    const unknown = await runCli(['exec', '--frobnicate', '--', 'true']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /^dingread exec: unknown option --frobnicate\n/);
    // After --, everything is the command's, its options too.
    assert.equal((await runCli(['exec', '--quiet', '--', process.execPath, '-e', 'process.exit(3)', '--', '--frobnicate'], { env: { PATH: process.env['PATH'] ?? '' } })).status, 3);
    const help = await runCli(['exec', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /DINGREAD_ENDPOINT/);
  });
});
