/**
 * The critique queue and its triggers (workspace/critiqueQueue.ts, critiqueTriggers.ts) on real analysed documents, with a `generate` the test
 * answers by hand (as DeepRun takes one): which proofs a save critiques, one critique at a time on the local
 * model, a running critique cancelled when its proof's text changes, a pre-empted one run again, an explicit
 * request cancelled, nothing started without a model (and the lens told so), waiters told when the
 * document closes. The model itself is the LSP tests' (test/lsp/critique.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { notStarted, type GenerationResult } from '../../server/src/engine/types';
import type { QedNanoSettings } from '../../server/src/protocol';
import { DEFAULT_SETTINGS } from '../../server/src/settings';
import type { Generate } from '../../server/src/tasks/generate';
import { CritiqueFindings } from '../../server/src/workspace/critiqueFindings';
import { CritiqueQueue, type CritiqueHost } from '../../server/src/workspace/critiqueQueue';
import { CritiqueTriggers } from '../../server/src/workspace/critiqueTriggers';
import type { DocumentSnapshot } from '../../server/src/workspace/snapshot';
import { snapshotOf } from '../support/snapshot';

const URI = 'file:///work/queue.md';
const TWO_PROOFS = `## Problem 1
Show that $1 \\ge 0$.

**Proof.** Clear.

Indeed so. ∎

## Problem 2
Show that $2 \\ge 0$.

**Proof.** Also clear.

Done. ∎
`;
const JUDGED = '{"score":"1","findings":[]}';

interface Call {
  problem: string;
  priority: string | undefined;
  signal: AbortSignal;
  answer(text: string): void;
  stop(reason: 'preempted'): void;
}

/** A queue over one document, and the model calls it makes, answered by the test. */
function harness(options: { trigger?: QedNanoSettings['critique']['trigger']; modelLoaded?: boolean } = {}) {
  let document: DocumentSnapshot = open(TWO_PROOFS, 1);
  const calls: Call[] = [];
  const published: string[] = [];
  let waitedForModel = 0;
  const settings: QedNanoSettings = { ...DEFAULT_SETTINGS, critique: { ...DEFAULT_SETTINGS.critique, trigger: options.trigger ?? 'onSave', depth: 'quick' } };
  const generate: Generate = (request, _onChunk, signal = new AbortController().signal) =>
    new Promise<GenerationResult>((resolve) => {
      const end = (result: GenerationResult): void => resolve(result);
      signal.addEventListener('abort', () => end(notStarted('cancelled')), { once: true });
      calls.push({
        problem: request.messages.map((m) => m.content).join('\n'),
        priority: request.priority,
        signal,
        answer: (text) => end({ ...notStarted('endOfText'), answer: text }),
        stop: (reason) => end(notStarted(reason)),
      });
    });
  const findings = new CritiqueFindings({ has: () => false });
  const host: CritiqueHost = {
    snapshot: (uri) => (uri === URI ? document : undefined),
    generate,
    settings: () => settings,
    modelLoaded: () => options.modelLoaded !== false,
    findings,
    startProgress: async () => ({ report: () => {}, cancelled: new AbortController().signal, done: () => {} }),
    refreshLenses: () => {},
    log: () => {},
    publishFindings: (uri) => published.push(uri),
  };
  const queue = new CritiqueQueue(host);
  return {
    queue,
    triggers: new CritiqueTriggers({ ...host, waitForModel: () => waitedForModel++ }, queue),
    calls,
    published,
    findings,
    waitedForModel: () => waitedForModel,
    edit: (text: string) => {
      document = open(text, document.version + 1);
    },
  };
}

function open(text: string, version: number): DocumentSnapshot {
  return snapshotOf(URI, 'markdown', text, version);
}

/** Lets the queue's promises settle. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

test('a save critiques the changed proofs one at a time, at background priority; a judged proof is not critiqued again', async () => {
  const { queue, triggers, calls, published, findings } = harness();
  triggers.saved(URI);
  await settle();
  assert.equal(calls.length, 1, 'one critique runs on the local model; the other waits');
  assert.equal(calls[0]!.priority, 'background');
  assert.match(calls[0]!.problem, /1 \\ge 0/);
  const [first, second] = open(TWO_PROOFS, 1).proofs();
  assert.equal(queue.stateOf(URI, first!.key), 'running');
  assert.equal(queue.stateOf(URI, second!.key), 'queued');
  calls[0]!.answer(JUDGED);
  await settle();
  assert.equal(calls.length, 2);
  assert.match(calls[1]!.problem, /2 \\ge 0/);
  calls[1]!.answer(JUDGED);
  await settle();
  assert.deepEqual(published, [URI, URI]);
  assert.equal(findings.judgementOf(URI, second!.key)?.critique.score, 1);
  triggers.saved(URI);
  await settle();
  assert.equal(calls.length, 2, 'nothing changed since: nothing to critique');
});

test('an edit of the proof being critiqued cancels its critique; the other proof goes on', async () => {
  const { triggers, calls, edit } = harness();
  triggers.saved(URI);
  await settle();
  edit(TWO_PROOFS.replace('Indeed so.', 'Indeed so, since 1 is positive.'));
  triggers.changed(URI, 5);
  assert.equal(calls[0]!.signal.aborted, true);
  await settle();
  assert.equal(calls.length, 2);
  assert.match(calls[1]!.problem, /2 \\ge 0/);
  assert.equal(calls[1]!.signal.aborted, false);
});

test('a critique pre-empted by interactive work runs again, after what was queued', async () => {
  const { triggers, calls } = harness();
  triggers.saved(URI);
  await settle();
  calls[0]!.stop('preempted');
  await settle();
  assert.match(calls[1]!.problem, /2 \\ge 0/, 'the queued proof first');
  calls[1]!.answer(JUDGED);
  await settle();
  assert.match(calls[2]!.problem, /1 \\ge 0/, 'then the pre-empted one again');
});

test('an explicit critique resolves with its outcome; cancelled, it rejects and stops the model', async () => {
  const { queue, calls } = harness({ trigger: 'manual' });
  const proofs = open(TWO_PROOFS, 1).proofs();
  const done = queue.critiqueNow(URI, [proofs[1]!], new AbortController().signal);
  await settle();
  calls[0]!.answer('{"score":"0.5","findings":[{"step":1,"kind":"gap","explanation":"Why?"}]}');
  const [outcome] = await done;
  assert.equal(outcome!.score, 0.5);
  assert.equal(outcome!.proof.statement.title, proofs[1]!.statement.title);

  const cancel = new AbortController();
  const cancelled = queue.critiqueNow(URI, [proofs[0]!], cancel.signal);
  await settle();
  cancel.abort();
  await assert.rejects(cancelled, /cancelled/);
  assert.equal(calls[1]!.signal.aborted, true, 'nobody else waits for it: the model stops');
});

test('without a loaded model a save starts nothing and says the critique waits; closing the document tells waiters', async () => {
  const waiting = harness({ modelLoaded: false });
  waiting.triggers.saved(URI);
  await settle();
  assert.equal(waiting.calls.length, 0);
  assert.equal(waiting.triggers.waitingForModel, true);
  assert.equal(waiting.waitedForModel(), 1);

  const { queue, calls } = harness({ trigger: 'manual' });
  const proofs = open(TWO_PROOFS, 1).proofs();
  const first = queue.critiqueNow(URI, [proofs[0]!], new AbortController().signal);
  const second = queue.critiqueNow(URI, [proofs[1]!], new AbortController().signal);
  await settle();
  queue.closed(URI);
  await assert.rejects(second, /closed/);
  assert.equal(calls[0]!.signal.aborted, true);
  await assert.rejects(first, /changed while it was critiqued/);
});
