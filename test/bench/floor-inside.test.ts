/**
 * The framework's floor loaded into a dingread process (bench/floor-inside.ts, `pairs.ts
 * --floor-inside`): given its answer, it serves those bytes from a port of its own while dingread
 * goes on answering on its own, and it goes when the process does. No figure is checked: timing
 * belongs to `npm run bench`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDingreadWithFloorInside, type ServeFloor, type ServerProcess } from '../../bench/processes.js';

describe('bench floor inside dingread', () => {
  let server: ServerProcess;
  let serveFloor: ServeFloor;
  before(async () => {
    ({ server, serveFloor } = await startDingreadWithFloorInside('memory'));
  });
  after(() => server.stop());

  it('serves the answer it is given beside dingread, in the same process, and goes with it', async () => {
    const answer = '{"readUserIds":["user1","user2"],"hasMore":false}';
    const floor = await serveFloor('POST', '/v1.0/robot/groupMessages/query?x=1', 200, Buffer.from(answer));
    const served = await fetch(`${floor}/v1.0/robot/groupMessages/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ openConversationId: 'cid', maxResults: 200 }),
    });
    assert.equal(served.status, 200);
    assert.equal(await served.text(), answer);
    // dingread itself still answers, on its own port.
    assert.equal((await fetch(`${server.url}/_dingread/health`)).status, 200);
    // In dingread's process: stopping that process, which ends cleanly, stops the floor.
    await server.stop();
    assert.equal((await server.exited).code, 0);
    await assert.rejects(fetch(`${floor}/v1.0/robot/groupMessages/query`, { method: 'POST' }));
  });
});
