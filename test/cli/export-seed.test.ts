/** `dingread export` and `dingread seed`, through main(), round-tripping a directory over the control plane. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDingread, type RunningDingread } from '../../src/testing/index.js';
import { testDirectory } from '../helpers/fixtures.js';
import { runCli } from '../helpers/cli.js';

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
    const seeded = await runCli(['seed', ...auth, file]);
    assert.equal(seeded.status, 0, seeded.stderr);
    assert.match(seeded.stdout, /^Seeded http:\/\/127\.0\.0\.1:\d+ with 2 orgs, 4 apps, 453 users, 7 robots, 5 conversations\n$/);

    const exported = await runCli(['export', ...auth]);
    assert.equal(exported.status, 0, exported.stderr);
    const document = JSON.parse(exported.stdout);
    assert.deepEqual(document, await dingread.admin.exportFixture());
    assert.ok(!exported.stdout.includes('appSecret'), 'no secrets in the export');
    assert.deepEqual(JSON.parse((await runCli(['export', ...auth, '--json'])).stdout), document, 'the document itself is the JSON answer');

    // Environment instead of flags, the document on stdin, JSON out.
    const again = await runCli(['seed', '--json', '-'], { env: { DINGREAD_URL: dingread.url, DINGREAD_ADMIN_TOKEN: 'cli-token' }, stdin: exported.stdout });
    assert.equal(again.status, 0, again.stdout);
    assert.deepEqual(JSON.parse(again.stdout), { orgs: 2, apps: 4, users: 453, robots: 7, conversations: 5 });
    assert.deepEqual(await dingread.admin.exportFixture(), document, 'the round trip changed nothing');

    const out = join(dir, 'out.json');
    const toFile = await runCli(['export', ...auth, '--out', out, '--json']);
    assert.equal(toFile.status, 0, toFile.stdout);
    assert.deepEqual(JSON.parse(toFile.stdout), { file: out, orgs: 2, apps: 4, users: 453, robots: 7, conversations: 5 });
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), document);
    const summary = await runCli(['export', ...auth, '--out', out]);
    assert.match(summary.stdout, /^Exported 2 orgs, 4 apps, 453 users, 7 robots, 5 conversations from http:\S+ to \S+out\.json\n$/);
  });

  it('reports the server refusing a document, with its code and the path of the bad field', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ orgs: [{ corpId: 'dingnew', apps: [{ appKey: 'dingnewapp' }] }] }));
    const text = await runCli(['seed', ...auth, file]);
    assert.equal(text.status, 1);
    assert.match(text.stderr, /^dingread seed: invalidParameter\.param\.invalid: .*orgs\[0\]\.apps\[0\]\.appSecret: required for a new app/);
    const json = await runCli(['seed', ...auth, '--json', file]);
    assert.equal(json.status, 1);
    assert.equal(json.stderr, '');
    const { error } = JSON.parse(json.stdout);
    assert.equal(error.status, 400);
    assert.equal(error.code, 'invalidParameter.param.invalid');
    assert.match(error.requestId, /^[0-9A-F-]{36}$/);
  });

  it('reports a wrong admin token, a missing or unreadable file and bad JSON in sentences', async () => {
    const wrong = await runCli(['export', '--url', dingread.url, '--admin-token', 'nope', '--json']);
    assert.equal(wrong.status, 1);
    assert.equal(JSON.parse(wrong.stdout).error.code, 'adminToken.invalid');
    const missingToken = await runCli(['export', '--url', dingread.url]);
    assert.equal(missingToken.status, 1);
    assert.match(missingToken.stderr, /asks for its admin token.*\(adminToken\.missing\)/);

    const nope = join(dir, 'nope.json');
    const missing = await runCli(['seed', ...auth, nope]);
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, `dingread seed: cannot read ${nope}: there is no such file\n`);
    const missingJson = await runCli(['seed', ...auth, nope, '--json']);
    assert.deepEqual(JSON.parse(missingJson.stdout), {
      error: { code: 'file.unreadable', message: `cannot read ${nope}: there is no such file`, file: nope, reason: 'ENOENT' },
    });
    const folder = await runCli(['seed', ...auth, dir]);
    assert.equal(folder.stderr, `dingread seed: cannot read ${dir}: it is a folder, not a file\n`);
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{orgs');
    const broken = await runCli(['seed', ...auth, notJson]);
    assert.equal(broken.status, 1);
    assert.match(broken.stderr, /^dingread seed: \S+not\.json is not JSON: /);
    const nowhere = join(dir, 'no-such-folder', 'out.json');
    const unwritable = await runCli(['export', ...auth, '--out', nowhere]);
    assert.equal(unwritable.status, 1);
    assert.equal(unwritable.stderr, `dingread export: cannot write ${nowhere}: its folder does not exist\n`);
  });

  it('explains its usage', async () => {
    const none = await runCli(['seed']);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^dingread seed: give the FILE to seed \(or - for stdin\)\nUsage: dingread seed \[options\] FILE\n/);
    const two = await runCli(['seed', 'a.json', 'b.json']);
    assert.match(two.stderr, /^dingread seed: give one FILE, not 2/);
    assert.match((await runCli(['export', '--help'])).stdout, /--out FILE/);
    assert.match((await runCli(['seed', '--help'])).stdout, /DINGREAD_URL/);
  });
});
