/**
 * The idle timeout's sweep (src/api/idle-sockets.ts) on sockets stood in for by counters, the
 * clock given to each sweep: which connections get `timeout`, when, and how often.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdleSockets, type WatchedSocket } from '../../src/api/idle-sockets.js';

class FakeSocket implements WatchedSocket {
  bytesRead = 0;
  bytesWritten = 0;
  writableLength = 0;
  destroyed = false;
  _handle = { writeQueueSize: 0 };
  timeouts = 0;
  emit(event: 'timeout'): boolean {
    assert.equal(event, 'timeout');
    this.timeouts++;
    return true;
  }
}

/** A sweep of `idleMs` watching one fresh socket since time 0. */
function watchedFromZero(idleMs: number): { idle: IdleSockets; socket: FakeSocket } {
  const idle = new IdleSockets(idleMs);
  const socket = new FakeSocket();
  idle.watch(socket, 0);
  return { idle, socket };
}

describe('the idle sweep', () => {
  it('times out a connection that moved no bytes for idleMs, and not one a millisecond short of it', () => {
    const { idle, socket } = watchedFromZero(1_000);
    assert.equal(idle.sweep(999), 0);
    assert.equal(socket.timeouts, 0);
    assert.equal(idle.sweep(1_000), 1);
    assert.equal(socket.timeouts, 1);
  });

  it('counts idleness from the last sweep that saw bytes move, either way', () => {
    const { idle, socket } = watchedFromZero(1_000);
    socket.bytesRead += 10;
    idle.sweep(900);
    assert.equal(idle.sweep(1_800), 0, 'read at 900: not idle until 1,900');
    socket.bytesWritten += 5;
    idle.sweep(1_850);
    assert.equal(idle.sweep(2_849), 0);
    assert.equal(idle.sweep(2_850), 1);
  });

  it('gives one timeout a quiet stretch, and another after the next traffic and quiet', () => {
    const { idle, socket } = watchedFromZero(100);
    idle.sweep(100);
    idle.sweep(200);
    idle.sweep(300);
    assert.equal(socket.timeouts, 1);
    socket.bytesRead++;
    idle.sweep(310);
    idle.sweep(410);
    assert.equal(socket.timeouts, 2);
  });

  it('does not take bytes queued for a client that stopped reading as traffic', () => {
    const { idle, socket } = watchedFromZero(100);
    // The server queues an event every sweep; the client takes none of it.
    for (let t = 50; t < 100; t += 10) {
      socket.bytesWritten += 100;
      socket.writableLength += 100;
      idle.sweep(t);
    }
    assert.equal(idle.sweep(100), 1);
  });

  it('takes a large write draining to a slow reader as traffic, as Node does, until it stops draining', () => {
    const idle = new IdleSockets(100);
    const socket = new FakeSocket();
    // One write of a large file: counted as written only once all of it is, so the counts stand still.
    socket.bytesWritten = 20_000_000;
    socket.writableLength = 20_000_000;
    socket._handle.writeQueueSize = 19_000_000;
    idle.watch(socket, 0);
    for (let t = 50; t <= 300; t += 50) {
      socket._handle.writeQueueSize -= 1_000_000;
      assert.equal(idle.sweep(t), 0, `still draining at ${t}`);
    }
    // The reader stops: the queue stands still too.
    assert.equal(idle.sweep(399), 0);
    assert.equal(idle.sweep(400), 1);
  });

  it('gives no timeout to a connection already destroyed and not yet closed', () => {
    const { idle, socket } = watchedFromZero(100);
    socket.destroyed = true;
    assert.equal(idle.sweep(1_000), 0);
    assert.equal(socket.timeouts, 0);
  });

  it('leaves alone a connection it was told to forget', () => {
    const idle = new IdleSockets(100);
    const kept = new FakeSocket();
    const forgotten = new FakeSocket();
    idle.watch(kept, 0);
    idle.watch(forgotten, 0);
    idle.forget(forgotten);
    assert.equal(idle.size, 1);
    assert.equal(idle.sweep(100), 1);
    assert.equal(kept.timeouts, 1);
    assert.equal(forgotten.timeouts, 0);
  });
});
