/** The chats' and Stream mode's store contracts on every backend (chat-stream-conformance.ts). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { dropTestSchemas, freshPostgresStore, postgresSkipReason } from '../helpers/postgres.js';
import { chatStreamConformance } from './chat-stream-conformance.js';

const root = mkdtempSync(join(tmpdir(), 'dingread-chat-stream-'));
let files = 0;
after(async () => {
  rmSync(root, { recursive: true, force: true });
  await dropTestSchemas();
});

chatStreamConformance('memory', async () => new SqliteStore({ path: ':memory:' }));
chatStreamConformance('sqlite file', async () => new SqliteStore({ path: join(root, `db${++files}`, 'dingread.db') }));
if (postgresSkipReason) {
  describe('Chat and Stream store conformance [postgres]', { skip: postgresSkipReason }, () => {
    it('the suite');
  });
} else {
  chatStreamConformance('postgres', freshPostgresStore);
}
