/**
 * engine/sequencePool.ts: who gets which sequence, pre-emption, and background leases yielding to
 * interactive ones. Sequences are plain objects that hold a token list (the pool asks only for the shared
 * prefix); everything is decided by promise order, no timers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SequencePool, type Lease, type PooledSequence } from '../../server/src/engine/sequencePool';

class Held implements PooledSequence {
  constructor(
    readonly name: string,
    readonly tokens: number[] = [],
  ) {}
  sharedPrefixLength(tokens: readonly number[]): number {
    let i = 0;
    while (i < tokens.length && i < this.tokens.length && tokens[i] === this.tokens[i]) i++;
    return i;
  }
}

/** Whether `promise` has settled once the microtasks queued now have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

test('a free sequence goes to the request whose prompt it shares the longest prefix with', async () => {
  const pool = new SequencePool([new Held('a', [1, 2]), new Held('b', [7, 8, 9]), new Held('c', [])]);
  const lease = await pool.acquire('interactive', [7, 8, 5]);
  assert.equal(lease.sequence.name, 'b');
  const other = await pool.acquire('background', [1, 2, 3]);
  assert.equal(other.sequence.name, 'a');
});

test('a background request keeps off the sequence an interactive one held last while another is free', async () => {
  // The completion's prompt stays cached on "a"; the critique shares its system prompt with it, and more
  // than with the empty "b", yet takes "b".
  const pool = new SequencePool([new Held('a', [1, 2, 3, 4]), new Held('b', [])]);
  const completion = await pool.acquire('interactive', [1, 2, 3, 4]);
  assert.equal(completion.sequence.name, 'a');
  completion.release();
  const critique = await pool.acquire('background', [1, 2, 9]);
  assert.equal(critique.sequence.name, 'b');
  // With no other sequence free, it takes the interactive one's after all.
  const second = await pool.acquire('background', [1, 2, 9]);
  assert.equal(second.sequence.name, 'a');
});

test('when every sequence is busy, an interactive request is served first and pre-empts a background lease', async () => {
  const pool = new SequencePool([new Held('only')]);
  const background = await pool.acquire('background', []);
  const queuedBackground = pool.acquire('background', []);
  const interactive = pool.acquire('interactive', []);
  assert.equal(background.preempted.aborted, true, 'the background holder is told');
  assert.equal(await settled(interactive), false, 'it waits until the holder lets go');
  background.release();
  const granted = await interactive;
  assert.equal(granted.preempted.aborted, false);
  assert.equal(await settled(queuedBackground), false, 'the earlier background request waits behind it');
  granted.release();
  (await queuedBackground).release();
});

test('an interactive request never pre-empts another interactive one', async () => {
  const pool = new SequencePool([new Held('only')]);
  const first = await pool.acquire('interactive', []);
  const second = pool.acquire('interactive', []);
  assert.equal(first.preempted.aborted, false);
  first.release();
  (await second).release();
});

test('a waiting request whose signal aborts is rejected with its reason and leaves the queue', async () => {
  const pool = new SequencePool([new Held('only')]);
  const holder = await pool.acquire('interactive', []);
  const stop = new AbortController();
  const waiting = pool.acquire('interactive', [], stop.signal);
  stop.abort(new Error('cancelled by the user'));
  await assert.rejects(waiting, /cancelled by the user/);
  holder.release();
  const next = await pool.acquire('background', []);
  assert.equal(next.sequence.name, 'only', 'the aborted waiter took nothing');
  await assert.rejects(pool.acquire('interactive', [], AbortSignal.abort(new Error('already'))), /already/);
});

test('release is idempotent: a second call frees nothing twice', async () => {
  const pool = new SequencePool([new Held('only')]);
  const lease = await pool.acquire('interactive', []);
  lease.release();
  const next = await pool.acquire('interactive', []);
  lease.release();
  const third = pool.acquire('background', []);
  assert.equal(await settled(third), false, 'the sequence is still held by the second lease');
  next.release();
  (await third).release();
});

test('a background lease yields while an interactive one is held, and goes on when it ends', async () => {
  const pool = new SequencePool([new Held('a'), new Held('b')]);
  const background = await pool.acquire('background', []);
  assert.equal(await settled(background.yieldToInteractive()), true, 'no interactive work: no wait');
  const interactive = await pool.acquire('interactive', []);
  assert.equal(await settled(interactive.yieldToInteractive()), true, 'an interactive lease never waits');
  const paused = background.yieldToInteractive();
  assert.equal(await settled(paused), false, 'the background reply waits between its tokens');
  interactive.release();
  assert.equal(await settled(paused), true, 'and goes on once the interactive reply ends');
  background.release();
});

test('a yielding background lease resumes when it is cancelled or pre-empted', async () => {
  const pool = new SequencePool([new Held('a'), new Held('b')]);
  const background: Lease<Held> = await pool.acquire('background', []);
  const interactive = await pool.acquire('interactive', []);
  const stop = new AbortController();
  const paused = background.yieldToInteractive(stop.signal);
  stop.abort();
  assert.equal(await settled(paused), true, 'the cancel ends the wait');
  const pausedAgain = background.yieldToInteractive();
  // A second interactive request finds no free sequence and pre-empts the background lease.
  const second = pool.acquire('interactive', []);
  assert.equal(background.preempted.aborted, true);
  assert.equal(await settled(pausedAgain), true, 'the pre-emption ends the wait');
  background.release();
  (await second).release();
  interactive.release();
});
