/**
 * storage/consent.ts and storage/dismissals.ts on a real storage folder (a temporary one): what the user is
 * asked before document text goes to a remote endpoint and how long an answer lasts; which dismissed
 * findings stay hidden, for how long, across servers, and how many are kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ALLOW, DO_NOT_ALLOW, EndpointConsent } from '../../server/src/storage/consent';
import { DismissedSteps, MAX_REMEMBERED } from '../../server/src/storage/dismissals';
import { sha256, workspaceFile } from '../../server/src/storage/workspaceFiles';

const WORKSPACE = 'file:///home/me/thesis';
const GPU = { url: 'http://gpu-box:8000/v1', host: 'gpu-box:8000', insecure: true };
const storage = (): string => mkdtempSync(path.join(tmpdir(), 'qed-storage-'));
const quiet = (): void => {};

/** A consent whose question the test answers with `answers` in turn; `asked` records the questions. */
function consent(folder: string, answers: (string | undefined)[], workspace: string | undefined = WORKSPACE, problems: Error[] = []) {
  const asked: { message: string; actions: string[] }[] = [];
  const store = new EndpointConsent(folder, workspace, async (message, actions) => {
    asked.push({ message, actions });
    return answers.shift();
  }, quiet, (problem) => problems.push(problem));
  return { store, asked };
}

test('consent: the first use asks, naming the host, the URL and that plain http can be read on the way; Allow is kept for the workspace', async () => {
  const folder = storage();
  const first = consent(folder, [ALLOW]);
  assert.equal(await first.store.allowed(GPU, false), true);
  assert.equal(first.asked.length, 1);
  assert.deepEqual(first.asked[0]!.actions, [ALLOW, DO_NOT_ALLOW]);
  assert.match(first.asked[0]!.message, /to gpu-box:8000 \(the remote engine, http:\/\/gpu-box:8000\/v1\)\? It is plain http to another machine/);
  assert.equal(await first.store.allowed(GPU, true), true);
  assert.equal(first.asked.length, 1, 'asked once');

  const restarted = consent(folder, []);
  assert.equal(await restarted.store.allowed(GPU, false), true, 'a restarted server remembers');
  assert.equal(restarted.asked.length, 0);
  const otherWorkspace = consent(folder, [undefined], 'file:///home/me/other');
  assert.equal(await otherWorkspace.store.allowed(GPU, false), false, 'another workspace is asked for itself (dismissed: no)');
  assert.equal(otherWorkspace.asked.length, 1);
  const tls = consent(folder, [undefined]);
  await tls.store.allowed({ url: 'https://api.example/v1', host: 'api.example', insecure: false }, false);
  assert.doesNotMatch(tls.asked[0]!.message, /plain http/, 'another endpoint is asked for; https is not called readable');
});

test('consent: a refusal holds for the session unless the user loads again explicitly, and is not kept on disk', async () => {
  const folder = storage();
  const { store, asked } = consent(folder, [DO_NOT_ALLOW, ALLOW]);
  assert.equal(await store.allowed(GPU, false), false);
  assert.equal(await store.allowed(GPU, false), false);
  assert.equal(asked.length, 1, 'not asked again on every request');
  assert.equal(await store.allowed(GPU, true), true, 'an explicit load asks again');
  assert.equal(asked.length, 2);
  const other = consent(storage(), [undefined]);
  assert.equal(await other.store.allowed(GPU, false), false);
});

test('consent: when the storage cannot be written, Allow lasts for this session and the problem is reported', async () => {
  const folder = storage();
  writeFileSync(path.join(folder, 'remote-endpoints-allowed'), 'a file where the folder should be');
  const problems: Error[] = [];
  const { store, asked } = consent(folder, [ALLOW], WORKSPACE, problems);
  assert.equal(await store.allowed(GPU, false), true);
  assert.equal(await store.allowed(GPU, false), true);
  assert.equal(asked.length, 1);
  assert.ok(problems.length > 0);
  assert.match(problems[0]!.message, /remote-endpoints-allowed.*a file stands where a folder should be/);
});

const STEP = 'Then $n(n-1) \\ge 0$ since both factors are nonnegative.';

test('a dismissed step stays hidden while it reads the same, after a restart and in another server; an edit brings it back', async () => {
  const folder = storage();
  const first = new DismissedSteps(folder, WORKSPACE, quiet, quiet);
  const second = new DismissedSteps(folder, WORKSPACE, quiet, quiet);
  assert.equal(second.has(STEP), false);
  const saving = first.add(STEP);
  assert.equal(first.has(STEP), true, 'hidden at once, before it is on disk');
  await saving;
  assert.equal(first.has(`${STEP} Indeed.`), false, 'the step edited: its finding comes back');
  assert.equal(second.has(STEP), true, 'another server on the same folder sees it');
  assert.equal(new DismissedSteps(folder, WORKSPACE, quiet, quiet).has(STEP), true, 'kept across a restart');
  assert.equal(new DismissedSteps(folder, 'file:///elsewhere', quiet, quiet).has(STEP), false, 'per workspace');
  assert.ok(!readFileSync(workspaceFile(folder, 'dismissed-findings', WORKSPACE), 'utf8').includes('factors'), 'only a hash of the text is kept');
});

test(`dismissals are bounded: at most ${MAX_REMEMBERED} per workspace, the oldest go first, also when the file holds far more`, async () => {
  const folder = storage();
  const file = workspaceFile(folder, 'dismissed-findings', WORKSPACE);
  mkdirSync(path.dirname(file), { recursive: true });
  // As many as the probe stored (2,000,000 would be slow to write here; 50,000 is ten times the bound).
  const stored = Array.from({ length: 50_000 }, (_, i) => sha256(`step ${i}`));
  writeFileSync(file, JSON.stringify(stored));
  const dismissals = new DismissedSteps(folder, WORKSPACE, quiet, quiet);
  assert.equal(dismissals.has('step 49999'), true, 'the newest are kept');
  assert.equal(dismissals.has('step 0'), false, 'the oldest beyond the bound are forgotten when read');
  await dismissals.add(STEP);
  const onDisk = JSON.parse(readFileSync(file, 'utf8')) as string[];
  assert.equal(onDisk.length, MAX_REMEMBERED);
  assert.equal(onDisk.at(-1), sha256(STEP), 'the newest dismissal is kept');
  assert.equal(onDisk[0], sha256(`step ${50_000 - MAX_REMEMBERED + 1}`), 'the oldest went first');
});

test('dismissals without usable storage last for the session, bounded the same way, and the problem is reported', async () => {
  const folder = storage();
  writeFileSync(path.join(folder, 'dismissed-findings'), 'not a folder');
  const problems: Error[] = [];
  const dismissals = new DismissedSteps(folder, WORKSPACE, quiet, (p) => problems.push(p));
  for (let i = 0; i <= MAX_REMEMBERED; i++) await dismissals.add(`step ${i}`);
  assert.ok(problems.length > 0);
  assert.equal(dismissals.has(`step ${MAX_REMEMBERED}`), true);
  assert.equal(dismissals.has('step 0'), false, 'memory is bounded too');
  assert.equal(dismissals.has('step 1'), true);
});
