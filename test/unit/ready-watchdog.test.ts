/**
 * The webview load watchdog (client/src/readyWatchdog.ts, WebviewHost's) under fake timers: no `ready` in
 * time sets the page again, then reloads the webviews, then sets the page once more, and only then gives up;
 * a `ready`, a hidden view or a page already loaded stops it.
 */
import { afterEach, beforeEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { READY_WAITS_MS, ReadyWatchdog } from '../../client/src/readyWatchdog';

beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(() => mock.timers.reset());

function watched(waiting = () => true) {
  const steps: string[] = [];
  const dog = new ReadyWatchdog({ waiting, setPage: () => void steps.push('setPage'), reloadWebviews: () => void steps.push('reload'), giveUp: () => void steps.push('giveUp') });
  return { dog, steps };
}

test('a page that never says ready: set again, webviews reloaded, set again, then the user is told, each wait longer', () => {
  const { dog, steps } = watched();
  dog.begin();
  const [first, second, third] = READY_WAITS_MS as [number, number, number];
  assert.ok(first < second && second < third);
  mock.timers.tick(first - 1);
  assert.deepEqual(steps, [], 'nothing before the first wait is over');
  mock.timers.tick(1);
  assert.deepEqual(steps, ['setPage']);
  mock.timers.tick(second);
  assert.deepEqual(steps, ['setPage', 'reload']);
  mock.timers.tick(third);
  assert.deepEqual(steps, ['setPage', 'reload', 'setPage', 'giveUp']);
  mock.timers.tick(60_000);
  assert.equal(steps.length, 4, 'given up once, nothing after');
});

test('ready stops the watchdog; the next page starts again from the first wait', () => {
  const { dog, steps } = watched();
  dog.begin();
  mock.timers.tick(READY_WAITS_MS[0]!);
  dog.ready();
  mock.timers.tick(60_000);
  assert.deepEqual(steps, ['setPage']);
  dog.begin(); // hidden and shown again: a new page
  mock.timers.tick(READY_WAITS_MS[0]!);
  assert.deepEqual(steps, ['setPage', 'setPage'], 'the count of tries started again');
});

test('a view hidden (cancel) or no longer waiting (ready came, view not visible) takes no step', () => {
  const cancelled = watched();
  cancelled.dog.begin();
  cancelled.dog.cancel();
  mock.timers.tick(60_000);
  assert.deepEqual(cancelled.steps, []);

  let waiting = true;
  const hidden = watched(() => waiting);
  hidden.dog.begin();
  waiting = false;
  mock.timers.tick(60_000);
  assert.deepEqual(hidden.steps, [], 'a timeout while nothing is awaited does nothing, and waits no more');
});
