/** Cold start: process spawn to the first healthy answer, on an empty store and on a large SQLite file. */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { createCoreContext } from '../src/core/context.js';
import { applyFixture } from '../src/core/fixtures.js';
import { newProcessQueryKey } from '../src/core/ids.js';
import { systemRandom } from '../src/core/random.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { MAIN } from './processes.js';

/** Milliseconds from spawn until /_dingread/health answers 200, `runs` times. */
export async function coldStart(store: string, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--store', store], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(out);
        if (match) resolve(match[1] as string);
      });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    });
    const health = await fetch(`${url}/_dingread/health`);
    if (health.status !== 200) throw new Error(`health answered ${health.status}`);
    times.push(performance.now() - started);
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
  return times;
}

/**
 * Milliseconds from spawn to exit of a bare `node -e 0`, `runs` times: Node's own start on this
 * machine at this moment, the floor under every cold start measured beside it.
 */
export async function bareNodeStart(runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`node -e 0 exited with ${code}`))));
    });
    times.push(performance.now() - started);
  }
  return times;
}

/** Fills a SQLite file through the store until it is at least `bytes` large: messages and their reads. */
export async function makeLargeSqliteFile(path: string, bytes: number): Promise<string> {
  const store = new SqliteStore({ path });
  const ctx = await createCoreContext(store);
  const members = Array.from({ length: 2000 }, (_, i) => `u${String(i).padStart(6, '0')}`);
  await applyFixture(ctx, {
    orgs: [
      {
        corpId: 'dinglarge',
        apps: [{ appKey: 'dinglargeapp', appSecret: 'large-secret' }],
        users: members.map((userId) => ({ userId })),
        robots: [{ robotCode: 'dinglargebot' }],
        conversations: [{ openConversationId: 'cidLarge==', type: 'group', members, robots: ['dinglargebot'] }],
      },
    ],
  });
  const org = await store.findOrg('dinglarge');
  const app = await store.findApp('dinglargeapp');
  const robot = await store.findRobot('dinglargebot');
  const group = await store.findConversation('cidLarge==');
  if (!org || !app || !robot || !group) throw new Error('large file: directory missing');
  let n = 0;
  const size = (): number => statSync(path).size + (statSafe(`${path}-wal`) ?? 0);
  while (size() < bytes) {
    const message = await store.insertMessage({
      processQueryKey: newProcessQueryKey(systemRandom, robot.id, group.id),
      kind: 'group',
      orgId: org.id,
      appId: app.id,
      robotId: robot.id,
      conversationId: group.id,
      msgKey: 'sampleText',
      msgParam: JSON.stringify({ content: `message ${n++} of the large store` }),
      sentAt: Date.now(),
      deliveredAt: Date.now(),
    });
    await store.recordReads(members.map((userId) => ({ processQueryKey: message.processQueryKey, userId, readAt: Date.now() })));
  }
  await store.close();
  return path;
}

function statSafe(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}
