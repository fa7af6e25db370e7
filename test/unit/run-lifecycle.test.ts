/**
 * The client's one run lifecycle (client/src/runLifecycle.ts), as Prove, Refine and Chat use it: a new run
 * stops the one before, whose late values and ending no longer count; Stop ends a run as `stopped`, an
 * error as `failed`, a reply as `done`; the token is the request's and is released afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CancellationTokenSource, type CancellationToken } from 'vscode-languageserver-protocol';
import { RunLifecycle, type ActiveRun } from '../../client/src/runLifecycle';

/** A request that answers (or fails) when told, and rejects once its token is cancelled, like the language
 * client's. */
function request<T>(token: CancellationToken) {
  let answer!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    answer = resolve;
    fail = reject;
    token.onCancellationRequested(() => reject(new Error('Request cancelled')));
  });
  return { promise, answer, fail };
}

function lifecycle() {
  const made: CancellationTokenSource[] = [];
  let clock = 0;
  const runs = new RunLifecycle(
    () => {
      const source = new CancellationTokenSource();
      made.push(source);
      return source;
    },
    () => (clock += 100),
  );
  return { runs, made };
}

test('a run that answers is done, with the time from the end of begin, and nothing runs after it', async () => {
  const { runs } = lifecycle();
  const order: string[] = [];
  let pending!: ReturnType<typeof request<string>>;
  const outcome = runs.run(
    async (run) => {
      order.push('work');
      assert.equal(runs.running, true);
      pending = request<string>(run.token);
      return pending.promise;
    },
    async () => void order.push('begin'),
  );
  await new Promise((resolve) => setImmediate(resolve));
  pending.answer('the proof');
  assert.deepEqual(await outcome, { kind: 'done', value: 'the proof', elapsedMs: 100, superseded: false });
  assert.deepEqual(order, ['begin', 'work']);
  assert.equal(runs.running, false);
});

test('Stop ends the run as stopped; an error that is not a stop is failed, with the error', async () => {
  const { runs } = lifecycle();
  const stopped = runs.run((run) => request<string>(run.token).promise);
  runs.stop();
  const end = await stopped;
  assert.equal(end.kind, 'stopped');
  assert.equal(end.superseded, false, 'Stop alone supersedes nothing: the view shows "Stopped"');

  const broken = new Error('no model');
  const failed = await runs.run(async () => {
    throw broken;
  });
  assert.equal(failed.kind, 'failed');
  assert.equal(failed.kind === 'failed' && failed.error, broken);
});

test('a new run stops the one before: its late values and its end are marked as no longer current', async () => {
  const { runs, made } = lifecycle();
  let first!: ActiveRun<CancellationToken>;
  const firstEnd = runs.run(async (run) => {
    first = run;
    return request<string>(run.token).promise;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(first.isCurrent(), true);
  let second!: ReturnType<typeof request<string>>;
  const secondEnd = runs.run(async (run) => {
    second = request<string>(run.token);
    return second.promise;
  });
  assert.equal(made[0]!.token.isCancellationRequested, true, 'the run before was cancelled');
  assert.equal(first.isCurrent(), false, 'its streamed values are dropped');
  const end = await firstEnd;
  assert.equal(end.kind, 'stopped');
  assert.equal(end.superseded, true, 'its end must not overwrite the new run in the view');
  assert.equal(runs.running, true, 'the first run ending does not clear the second');
  second.answer('reply');
  const end2 = await secondEnd;
  assert.deepEqual([end2.kind, end2.kind === 'done' && end2.value, end2.superseded], ['done', 'reply', false]);
  assert.equal(runs.running, false);
});

test('every cancellation source is disposed when its run ends, whichever way', async () => {
  const disposed: string[] = [];
  let name = '';
  const runs = new RunLifecycle(() => {
    const source = new CancellationTokenSource();
    const own = name;
    return { token: source.token, cancel: () => source.cancel(), dispose: () => void disposed.push(own) };
  });
  name = 'done';
  await runs.run(async () => 'reply');
  name = 'failed';
  await runs.run(async () => {
    throw new Error('x');
  });
  name = 'stopped';
  const stopped = runs.run((run) => request<string>(run.token).promise);
  assert.deepEqual(disposed, ['done', 'failed'], 'a run under way keeps its source');
  runs.stop();
  await stopped;
  assert.deepEqual(disposed, ['done', 'failed', 'stopped']);
});
