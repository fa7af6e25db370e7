/**
 * The engines' shared pure parts: the remote endpoint pool (least busy first, waiting in line, failed
 * endpoints rested), the live generation (the split and the counts a user reads in the panel: thinking
 * tokens, the answer, an unfinished thought is no answer) and the streaming batcher (the first text goes out
 * at once, then text is joined into one message per interval; nothing is lost or reordered). No timed
 * assertions: the batcher's interval is driven by node:test's mock timers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointPool } from '../../server/src/engine/endpointPool';
import { LiveGeneration } from '../../server/src/engine/liveGeneration';
import type { GenerationChunk } from '../../server/src/engine/types';
import { ProgressBatcher } from '../../server/src/features/streaming';
import { toCost } from '../../server/src/workspace/generationCost';
import type { GenerationProgress } from '../../server/src/protocol';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('the pool gives work to the least busy endpoint with room, then makes the rest wait in line, first come first served', async () => {
  const pool = new EndpointPool(['http://a:8000/v1', 'http://b:8000/v1'], 2);
  const [a, b] = pool.endpoints;
  assert.equal(a!.host, 'a:8000');
  const first = await pool.acquire(undefined);
  const second = await pool.acquire(undefined);
  assert.notEqual(first, second, 'the second request goes to the idle endpoint');
  await pool.acquire(undefined);
  await pool.acquire(undefined);
  assert.deepEqual([a!.active, b!.active], [2, 2]);

  const served: string[] = [];
  const waiting = ['first', 'second'].map((name) => pool.acquire(undefined).then((e) => served.push(`${name}@${e!.host}`)));
  await settle();
  assert.deepEqual(served, [], 'every endpoint is full: both wait');
  pool.release(b!);
  await settle();
  assert.deepEqual(served, ['first@b:8000'], 'the first in line gets the room that opened');
  pool.release(a!);
  await Promise.all(waiting);
  assert.deepEqual(served, ['first@b:8000', 'second@a:8000']);
});

test('a request that gives up while waiting gets nothing and takes no room; a request already cancelled takes none', async () => {
  const pool = new EndpointPool(['http://a:8000/v1'], 1);
  const only = (await pool.acquire(undefined))!;
  const stop = new AbortController();
  const gaveUp = pool.acquire(stop.signal);
  stop.abort();
  assert.equal(await gaveUp, undefined);
  assert.equal(await pool.acquire(stop.signal), undefined);
  pool.release(only);
  assert.equal(only.active, 0, 'the request that gave up holds nothing');
  assert.equal(await pool.acquire(undefined), only);
});

test('an endpoint that failed rests: new work and retries go elsewhere while another has room, and to it when it is the only one', async () => {
  const pool = new EndpointPool(['http://a:8000/v1', 'http://b:8000/v1'], 1);
  const [a, b] = pool.endpoints;
  pool.rest(a!);
  assert.equal(await pool.acquire(undefined), b, 'the resting one is passed over');
  assert.equal(await pool.acquire(undefined), a, 'a resting endpoint still serves when nothing else has room');
  pool.release(a!);
  pool.release(b!);
  assert.equal(await pool.acquire(undefined, new Set([b!])), a, 'a retry avoids the endpoint it failed on, even over a resting one');
});

test('a live generation splits thinking from answer and counts the tokens of each, as the panel shows them', () => {
  const live = new LiveGeneration(performance.now(), 'open', false);
  const chunks: GenerationChunk[] = [];
  for (const text of ['Let me ', 'think.', '\n</think>\n\n', 'The ', 'proof.']) {
    live.countToken();
    live.push(text, (c) => chunks.push(c));
  }
  live.finish((c) => chunks.push(c));
  const text = (kind: string): string => chunks.filter((c) => c.kind === kind).map((c) => ('text' in c ? c.text : '')).join('');
  assert.equal(text('thinking'), 'Let me think.');
  assert.equal(text('answer'), 'The proof.');
  const result = live.result('endOfText');
  assert.equal(result.thinking, 'Let me think.');
  assert.equal(result.answer, 'The proof.');
  assert.equal(result.raw, 'Let me think.\n</think>\n\nThe proof.');
  assert.deepEqual([result.stats.thinkingTokens, result.stats.answerTokens], [3, 2], 'thinking counts up to and with the token that closed it');
  assert.equal(chunks.at(-1)!.tally.generated, 5, 'each chunk carries the running count');
});

test('a thought that never closed is no answer and all thinking, also when a server reports more tokens than it streamed deltas', () => {
  const live = new LiveGeneration(performance.now(), 'open', false);
  for (const text of ['One idea, ', 'then another']) {
    live.countToken();
    live.push(text, () => {});
  }
  live.correctGenerated(7);
  live.correctGenerated(3);
  const result = live.result('thinkingBudget');
  assert.equal(result.thoughtClosed, false);
  assert.equal(result.answer, '');
  assert.deepEqual([result.stats.thinkingTokens, result.stats.answerTokens], [7, 0], 'a lower report never takes counted tokens back');
});

test('a later </think> retracts the answer so far into the thinking, and the counts follow', () => {
  const live = new LiveGeneration(performance.now(), 'open', false);
  const chunks: GenerationChunk[] = [];
  for (const text of ['A</think>', 'Not yet', '</think>', 'Final.']) {
    live.countToken();
    live.push(text, (c) => chunks.push(c));
  }
  live.finish((c) => chunks.push(c));
  const retraction = chunks.find((c) => c.kind === 'answerRetracted');
  assert.ok(retraction && retraction.kind === 'answerRetracted');
  assert.equal(retraction.movedToThinking.trim(), 'Not yet');
  const result = live.result('endOfText');
  assert.equal(result.answer, 'Final.');
  assert.deepEqual([result.stats.thinkingTokens, result.stats.answerTokens], [3, 1]);
});

test('closed thinking (a completion) is all answer from the first token', () => {
  const live = new LiveGeneration(performance.now(), 'closed', true);
  live.countToken();
  live.push(' and so', () => {});
  const result = live.result('endOfText');
  assert.equal(result.answer, ' and so', 'a continuation keeps its white space');
  assert.deepEqual([result.stats.thinkingTokens, result.stats.answerTokens], [0, 1]);
});

/** A batcher over a recorded stream. */
function batcher(): { batcher: ProgressBatcher; sent: GenerationProgress[] } {
  const sent: GenerationProgress[] = [];
  return { batcher: new ProgressBatcher({ report: (value) => sent.push(value) }, 16), sent };
}

test('the batcher sends values at once until the first text has gone out, then joins text of one kind into one message per interval', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { batcher: b, sent } = batcher();
  b.push({ kind: 'started' } as GenerationProgress);
  b.push({ kind: 'thinking', text: 'First', thinkingTokens: 1 });
  assert.equal(sent.length, 2, 'the time to the first visible token is not delayed');
  b.push({ kind: 'thinking', text: ' thought', thinkingTokens: 2 });
  b.push({ kind: 'thinking', text: ' goes on', thinkingTokens: 3 });
  b.push({ kind: 'answer', text: 'The', thinkingTokens: 3 });
  b.push({ kind: 'answer', text: ' proof', thinkingTokens: 3 });
  assert.equal(sent.length, 2, 'later values wait for the interval');
  t.mock.timers.tick(16);
  assert.deepEqual(sent.slice(2), [
    { kind: 'thinking', text: ' thought goes on', thinkingTokens: 3 },
    { kind: 'answer', text: 'The proof', thinkingTokens: 3 },
  ], 'joined per kind, in order, with the newest count');
  b.push({ kind: 'answer', text: '.', thinkingTokens: 3 });
  b.flush();
  assert.deepEqual(sent.at(-1), { kind: 'answer', text: '.', thinkingTokens: 3 }, 'flush sends what waits (the request is ending)');
  t.mock.timers.tick(100);
  assert.equal(sent.length, 5, 'nothing is sent twice');
});

test('the batcher never joins across a retraction, keeps it in its place, and without a stream drops values quietly', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { batcher: b, sent } = batcher();
  b.push({ kind: 'answer', text: 'x', thinkingTokens: 0 });
  b.push({ kind: 'answer', text: 'Maybe', thinkingTokens: 0 });
  b.push({ kind: 'answerRetracted', movedToThinking: 'xMaybe' });
  b.push({ kind: 'answer', text: 'Sure', thinkingTokens: 2 });
  b.flush();
  assert.deepEqual(sent.slice(1).map((v) => v.kind), ['answer', 'answerRetracted', 'answer']);
  const silent = new ProgressBatcher(undefined);
  silent.push({ kind: 'answer', text: 'x', thinkingTokens: 0 });
  silent.flush();
});

test('a generation\'s cost on the wire is its stats without the engine-only fields, and a copy', () => {
  const live = new LiveGeneration(performance.now(), 'open', false);
  const stats = live.result('endOfText').stats;
  const cost = toCost(stats);
  assert.ok(!('timeToFirstTokenMs' in cost));
  cost.predictedTokens.validated = 9;
  assert.equal(stats.predictedTokens.validated, 0, 'the engine\'s own counts are not shared with the wire value');
});
