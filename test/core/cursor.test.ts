/** Pagination cursors (src/core/cursor.ts): what a nextToken carries, and what does not open. */
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { CursorCodec } from '../../src/core/cursor.js';

const key = randomBytes(32);

describe('CursorCodec', () => {
  it('opens what it sealed, message id and position, without being told the message', () => {
    const codec = new CursorCodec(key);
    for (const afterUserId of ['u0200', '', 'line\nbreak', '😀～é', '1\n2']) {
      const token = codec.seal({ messageId: 4711, afterUserId });
      assert.deepEqual(codec.open(token), { messageId: 4711, afterUserId });
    }
    assert.equal(codec.seal({ messageId: 1, afterUserId: 'u1' }), codec.seal({ messageId: 1, afterUserId: 'u1' }), 'the same position, the same token');
    assert.notEqual(codec.seal({ messageId: 1, afterUserId: 'u1' }), codec.seal({ messageId: 2, afterUserId: 'u1' }));
  });

  it('opens nothing it did not seal: another key, a changed byte, a cut token, not base64, the first format', () => {
    const codec = new CursorCodec(key);
    const token = codec.seal({ messageId: 9, afterUserId: 'u0009' });
    assert.equal(new CursorCodec(randomBytes(32)).open(token), undefined, "another server's");
    const raw = Buffer.from(token, 'base64');
    for (let i = 0; i < raw.length; i++) {
      const changed = Buffer.from(raw);
      changed[i] = (changed[i] as number) ^ 1;
      assert.equal(codec.open(changed.toString('base64')), undefined, `byte ${i} changed`);
    }
    assert.equal(codec.open(raw.subarray(0, raw.length - 1).toString('base64')), undefined);
    assert.equal(codec.open(`${token}!`), undefined);
    assert.equal(codec.open(''), undefined);
    // The first format: the message id as associated data, the position alone inside.
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from('dingread-cursor:9'));
    const body = Buffer.concat([cipher.update('u0009', 'utf8'), cipher.final()]);
    assert.equal(codec.open(Buffer.concat([Buffer.from([1]), iv, cipher.getAuthTag(), body]).toString('base64')), undefined);
  });
});
