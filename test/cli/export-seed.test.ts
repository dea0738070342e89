/** `dingread export` and `dingread seed` as processes, round-tripping a directory over the control plane. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDingread, type RunningDingread } from '../../src/testing/index.js';
import { testDirectory } from '../helpers/fixtures.js';
import { MAIN } from '../helpers/cli.js';

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking this process, which serves the requests the CLI makes. */
function cli(args: string[], options: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, DINGREAD_URL: '', DINGREAD_ADMIN_TOKEN: '', ...options.env };
    const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

describe('dingread export and seed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dingread-export-'));
  let dingread: RunningDingread;
  let auth: string[];
  before(async () => {
    dingread = await startDingread({ adminToken: 'cli-token' });
    auth = ['--url', dingread.url, '--admin-token', 'cli-token'];
  });
  after(async () => {
    await dingread.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('seeds a file, exports it back without secrets, and seeding the export changes nothing', async () => {
    const file = join(dir, 'directory.json');
    writeFileSync(file, JSON.stringify(testDirectory()));
    const seeded = await cli(['seed', ...auth, file]);
    assert.equal(seeded.status, 0, seeded.stderr);
    assert.match(seeded.stdout, /^Seeded http:\/\/127\.0\.0\.1:\d+ with 2 orgs, 4 apps, 453 users, 7 robots, 5 conversations\n$/);

    const exported = await cli(['export', ...auth]);
    assert.equal(exported.status, 0, exported.stderr);
    const document = JSON.parse(exported.stdout);
    assert.deepEqual(document, await dingread.admin.exportFixture());
    assert.ok(!exported.stdout.includes('appSecret'), 'no secrets in the export');

    // Environment instead of flags, the document on stdin, JSON out.
    const again = await cli(['seed', '--json', '-'], {
      env: { DINGREAD_URL: dingread.url, DINGREAD_ADMIN_TOKEN: 'cli-token' },
      stdin: exported.stdout,
    });
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), { orgs: 2, apps: 4, users: 453, robots: 7, conversations: 5 });
    assert.deepEqual(await dingread.admin.exportFixture(), document, 'the round trip changed nothing');

    const out = join(dir, 'out.json');
    const toFile = await cli(['export', ...auth, '--out', out, '--json']);
    assert.equal(toFile.status, 0, toFile.stderr);
    assert.deepEqual(JSON.parse(toFile.stdout), { file: out, orgs: 2, apps: 4, users: 453, robots: 7, conversations: 5 });
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), document);
  });

  it('reports the server refusing a document, with its code and the path of the bad field', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ orgs: [{ corpId: 'dingnew', apps: [{ appKey: 'dingnewapp' }] }] }));
    const text = await cli(['seed', ...auth, file]);
    assert.equal(text.status, 1);
    assert.match(text.stderr, /^dingread seed: invalidParameter\.param\.invalid: .*orgs\[0\]\.apps\[0\]\.appSecret: required for a new app/);
    const json = await cli(['seed', ...auth, '--json', file]);
    assert.equal(json.status, 1);
    const { error } = JSON.parse(json.stdout);
    assert.equal(error.status, 400);
    assert.equal(error.code, 'invalidParameter.param.invalid');
    assert.match(error.requestId, /^[0-9A-F-]{36}$/);
  });

  it('reports a wrong admin token, an unreachable server, a missing file and bad JSON', async () => {
    const wrong = await cli(['export', '--url', dingread.url, '--admin-token', 'nope', '--json']);
    assert.equal(wrong.status, 1);
    assert.equal(JSON.parse(wrong.stdout).error.code, 'adminToken.invalid');
    const missingToken = await cli(['export', '--url', dingread.url]);
    assert.equal(missingToken.status, 1);
    assert.match(missingToken.stderr, /adminToken\.missing/);

    const closed = await startDingread();
    const gone = closed.url;
    await closed.close();
    const unreachable = await cli(['export', '--url', gone]);
    assert.equal(unreachable.status, 1);
    assert.match(unreachable.stderr, /cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): is dingread running there\?/);

    const missing = await cli(['seed', ...auth, join(dir, 'nope.json')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /ENOENT/);
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{orgs');
    const broken = await cli(['seed', ...auth, notJson]);
    assert.equal(broken.status, 1);
    assert.match(broken.stderr, /not\.json is not JSON/);
  });

  it('explains its usage', async () => {
    const none = await cli(['seed']);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /give exactly one FILE/);
    const unknown = await cli(['export', '--frobnicate']);
    assert.equal(unknown.status, 2);
    assert.match((await cli(['export', '--help'])).stdout, /--out FILE/);
    assert.match((await cli(['seed', '--help'])).stdout, /DINGREAD_URL/);
  });
});
