/**
 * `qed/prove` over a real stdio connection, through the real engine with the tiny model. Exact text uses
 * the server's scripted mode (QED_NANO_TEST_SCRIPT), the same as a user's run but with fixed output.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource, CodeLensRequest, ResponseError } from 'vscode-languageserver-protocol';
import { LoadModelRequest, ProofInsertionRequest, ProveRequest, type ProveParams, type GenerationProgress } from '../../server/src/protocol';
import { MAX_DRAFT } from '../../server/src/engine/lookupPredictor';
import { TestLanguageClient } from '../support/lspClient';
import { tinyModelPath } from '../support/models';

const storage = mkdtempSync(path.join(tmpdir(), 'qed-prove-'));
const clients: TestLanguageClient[] = [];
after(async () => {
  for (const client of clients) await client.stop();
  rmSync(storage, { recursive: true, force: true });
});

const DOCUMENT = String.raw`\newcommand{\N}{\mathbb{N}}
\begin{lemma}\label{lem:base}
$1 \ge 1$.
\end{lemma}
\begin{theorem}\label{thm:main}
For all $n \in \N$, $n^2 \ge n$.
\end{theorem}
`;

async function server(model: 'natural' | 'endless', env: Record<string, string> = {}, generation: object = {}, options: object = {}): Promise<TestLanguageClient> {
  const { client } = await TestLanguageClient.start(
    { ...options, storagePath: storage, qedNano: { model: tinyModelPath(model), threads: 1, contextSize: 2048, gpu: 'off', generation: { maxTokens: 1500, ...generation } } },
    {},
    { ...process.env, ...env },
  );
  clients.push(client);
  await client.open('file:///work/main.tex', 'latex', DOCUMENT);
  return client;
}

function streamOf(client: TestLanguageClient, token: string): GenerationProgress[] {
  const values: GenerationProgress[] = [];
  client.connection.onNotification('$/progress', (params: { token: string; value: GenerationProgress }) => {
    if (params.token === token) values.push(params.value);
  });
  return values;
}

/** The reply's thinking tokens so far, by the latest streamed count. */
function thinkingTokens(streamed: GenerationProgress[]): number {
  return Math.max(0, ...streamed.map((v) => ('thinkingTokens' in v ? (v.thinkingTokens ?? 0) : 0)));
}

const at = (line: number, character: number): ProveParams => ({ textDocument: { uri: 'file:///work/main.tex' }, position: { line, character } });

test('proves the theorem at the cursor: thinking then proof stream, and the exact scripted text comes back', async () => {
  const script = 'Check $n=1$ first.\n</think>\n\n**Proof.** Since $n \\ge 1$, $n^2 = n \\cdot n \\ge n$. ∎';
  const client = await server('natural', { QED_NANO_TEST_SCRIPT: script });
  const streamed = streamOf(client, 'prove-1');
  const result = await client.connection.sendRequest(ProveRequest, { ...at(5, 3), partialResultToken: 'prove-1' });
  assert.equal(result.statement, 'For all $n \\in \\N$, $n^2 \\ge n$.');
  assert.equal(result.thinking, 'Check $n=1$ first.');
  assert.equal(result.proof, '**Proof.** Since $n \\ge 1$, $n^2 = n \\cdot n \\ge n$. ∎');
  assert.equal(result.thoughtClosed, true);
  assert.equal(result.stopReason, 'endOfText');
  assert.ok(result.stats.promptTokens > 50 && result.stats.thinkingTokens > 0 && result.stats.answerTokens > 0);
  const text = (kind: 'thinking' | 'answer'): string => streamed.map((v) => (v.kind === kind ? v.text : '')).join('');
  assert.equal(text('thinking').trimEnd(), result.thinking);
  assert.equal(text('answer'), result.proof);
  assert.ok(streamed.findIndex((v) => v.kind === 'answer') > streamed.findIndex((v) => v.kind === 'thinking'));
  // The streamed thinking count and the final one are the same measure, and the thinking has its own time.
  const counts = streamed.flatMap((v) => (v.kind === 'thinking' || v.kind === 'answer') && v.thinkingTokens !== undefined ? [v.thinkingTokens] : []);
  assert.equal(counts.at(-1), result.stats.thinkingTokens);
  assert.ok(result.stats.thinkingMs !== undefined && result.stats.thinkingMs > 0 && result.stats.thinkingMs <= result.stats.ms);
  assert.deepEqual(result.insertion, {
    version: 1,
    range: { start: { line: 6, character: 13 }, end: { line: 6, character: 13 } },
    newText: '\n\\begin{proof}\nSince $n \\ge 1$, $n^2 = n \\cdot n \\ge n$.\n\\end{proof}',
  });
});

test('a "Prove" CodeLens stands above each statement without a proof', async () => {
  const client = await server('natural');
  const lenses = await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: 'file:///work/main.tex' } });
  assert.deepEqual(
    lenses?.map((l) => [l.range.start.line, l.command?.command, l.command?.arguments]),
    [
      [1, 'qedNano.prove', ['file:///work/main.tex', { line: 1, character: 0 }]],
      [4, 'qedNano.prove', ['file:///work/main.tex', { line: 4, character: 0 }]],
    ],
  );
});

test("a client that does not run the lens commands gets the server's own Prove command in the lenses", async () => {
  const client = await server('natural', {}, {}, { clientCommands: [] });
  const lenses = await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: 'file:///work/main.tex' } });
  assert.deepEqual(
    lenses?.map((l) => [l.range.start.line, l.command?.title, l.command?.command]),
    [
      [1, '$(sparkle) Prove', 'qedNano.server.prove'],
      [4, '$(sparkle) Prove', 'qedNano.server.prove'],
    ],
  );
});

test('a selection is proved as selected; a cursor outside any statement gets a clear error', async () => {
  const client = await server('natural', { QED_NANO_TEST_SCRIPT: 'ok</think>Done.' });
  const selected = await client.connection.sendRequest(ProveRequest, {
    textDocument: { uri: 'file:///work/main.tex' },
    range: { start: { line: 2, character: 0 }, end: { line: 2, character: 10 } },
  });
  assert.equal(selected.statement, '$1 \\ge 1$.');
  assert.equal(selected.proof, 'Done.');
  await assert.rejects(client.connection.sendRequest(ProveRequest, at(0, 0)), /Put the cursor in a theorem, lemma or problem/);
});

test('cancelling mid-stream rejects with RequestCancelled at once, and the server proves again afterwards', async () => {
  const client = await server('endless');
  const streamed = streamOf(client, 'prove-2');
  const source = new CancellationTokenSource();
  const running = client.connection.sendRequest(ProveRequest, { ...at(5, 3), partialResultToken: 'prove-2' }, source.token);
  while (streamed.length < 10) await new Promise((r) => setTimeout(r, 5));
  const atCancel = thinkingTokens(streamed);
  source.cancel();
  await assert.rejects(running, (error: unknown) => error instanceof ResponseError && error.code === -32800);
  // Counted, not timed: the stream precedes the reply on the connection, so it is all here now.
  const afterCancel = thinkingTokens(streamed) - atCancel;
  // A lost cancel streams the rest of the 1,500-token budget; a prompt one, the evaluation in flight when the
  // server reads $/cancelRequest and what was already on the wire (0 to 8 tokens seen here).
  assert.ok(afterCancel <= 4 * (1 + MAX_DRAFT), `${afterCancel} thinking tokens streamed after $/cancelRequest`);
  const again = await client.connection.sendRequest(ProveRequest, at(5, 3));
  assert.ok(['maxTokens', 'repetitionLoop', 'thinkingBudget'].includes(again.stopReason), again.stopReason);
});

test('a thinking budget that runs out gives no proof, says so, and keeps the thinking', async () => {
  const client = await server('endless', {}, { thinkingBudget: 40 });
  const result = await client.connection.sendRequest(ProveRequest, at(5, 3));
  assert.equal(result.stopReason, 'thinkingBudget');
  assert.equal(result.thoughtClosed, false);
  assert.equal(result.proof, '');
  assert.equal(result.stats.thinkingTokens, 40);
});

test('after a model crashed the server while loading, the next start does not load it again by itself, and says why', async () => {
  const crashedStorage = mkdtempSync(path.join(tmpdir(), 'qed-crashed-'));
  const model = tinyModelPath('natural');
  const { size, mtimeMs } = statSync(model);
  // What the crash guard records once its probe died on the file (test/engine/crash-guard.test.ts).
  writeFileSync(path.join(crashedStorage, 'crashed-models.json'), JSON.stringify([{ path: model, size, mtimeMs: Math.floor(mtimeMs) }]));
  const { client } = await TestLanguageClient.start({ storagePath: crashedStorage, qedNano: { model, threads: 1, contextSize: 1024, gpu: 'off' } });
  clients.push(client);
  await client.open('file:///work/main.tex', 'latex', DOCUMENT);
  await assert.rejects(client.connection.sendRequest(ProveRequest, at(5, 3)), /crashed the QED-Nano server last time, so it is not loaded again automatically/);
  const status = await client.connection.sendRequest(LoadModelRequest); // the user asks explicitly
  assert.equal(status.state, 'ready');
  rmSync(crashedStorage, { recursive: true, force: true });
});

test('Continue: a budget that ran out in thinking is summarised, and the statement solved again from the summary', async () => {
  const scripts = [
    'Let me try induction on n. The base case n=1 gives 1 >= 1. For the step I need (n+1)^2 >= n+1, which',
    'I tried induction on $n$; the base case holds and the step reduces to $(n+1)^2 \\ge n+1$.\n</think>\n\nI tried induction on $n$: the base case $n=1$ holds, and the inductive step reduces to $(n+1)^2 \\ge n+1$.',
    'The summary says the step is all that is left.\n</think>\n\n**Proof.** For $n \\ge 1$, $n^2 - n = n(n-1) \\ge 0$. ∎',
  ];
  const client = await server('natural', { QED_NANO_TEST_SCRIPT: JSON.stringify(scripts) }, { thinkingBudget: 12 });
  const first = await client.connection.sendRequest(ProveRequest, at(5, 3));
  assert.equal(first.stopReason, 'thinkingBudget');
  assert.equal(first.thoughtClosed, false);
  assert.equal(first.proof, '');
  assert.ok(scripts[0]!.startsWith(first.thinking), first.thinking);

  // The configuration is laid over initializationOptions' settings: the budget is named to change it.
  await client.configure({ qedNano: { model: tinyModelPath('natural'), threads: 1, contextSize: 2048, gpu: 'off', generation: { maxTokens: 1500, thinkingBudget: 12000 } } });
  const streamed = streamOf(client, 'continue-1');
  const continued = await client.connection.sendRequest(ProveRequest, { ...at(5, 3), continueFrom: { thinking: first.thinking }, partialResultToken: 'continue-1' });
  assert.equal(continued.stopReason, 'endOfText');
  assert.equal(continued.proof, '**Proof.** For $n \\ge 1$, $n^2 - n = n(n-1) \\ge 0$. ∎');
  assert.deepEqual(
    streamed.filter((v) => v.kind === 'phase').map((v) => (v.kind === 'phase' ? v.text : '')),
    ['Summarising the previous attempt', 'Attempt 1 of 1: solving from the summary'],
  );
  const summaries = streamed.flatMap((v) => (v.kind === 'summary' ? [v.text] : []));
  assert.deepEqual(summaries, ['I tried induction on $n$: the base case $n=1$ holds, and the inductive step reduces to $(n+1)^2 \\ge n+1$.']);
  assert.equal(continued.reasoningCache?.summary, summaries[0], 'a later Continue summarises with it');
  assert.ok(!streamed.some((v) => v.kind === 'thinking' && v.text.includes('I tried induction on $n$: the base case')), 'the summary is not passed off as thinking');
});

test('Prove (Reasoning Cache): attempts solved from the summaries before them; the panel gets each summary and each attempt', async () => {
  const scripts = [
    'Induction? The base case holds.\n</think>\n\nA first proof by induction.',
    'Summarising.\n</think>\n\nI tried induction; the base case holds.',
    'From the summary: factor.\n</think>\n\n**Proof.** $n^2 - n = n(n-1) \\ge 0$. ∎',
  ];
  const client = await server('natural', { QED_NANO_TEST_SCRIPT: JSON.stringify(scripts) });
  await client.configure({ qedNano: { model: tinyModelPath('natural'), threads: 1, contextSize: 2048, gpu: 'off', generation: { maxTokens: 1500 }, rc: { iterations: 2 } } });
  const streamed = streamOf(client, 'rc-1');
  const result = await client.connection.sendRequest(ProveRequest, { ...at(5, 3), mode: 'rc', partialResultToken: 'rc-1' });
  assert.equal(result.proof, '**Proof.** $n^2 - n = n(n-1) \\ge 0$. ∎');
  assert.equal(result.thinking, 'From the summary: factor.', "the last attempt's thinking");
  assert.deepEqual(result.reasoningCache, { attemptsRun: 2, attempts: 2, proofAttempt: 2, summaries: ['I tried induction; the base case holds.'], summary: 'I tried induction; the base case holds.' });
  assert.deepEqual(
    streamed.flatMap((v) => (v.kind === 'attempt' ? [`attempt ${v.attempt}/${v.of}: ${v.proofSoFar}`] : v.kind === 'summary' ? [`summary: ${v.text}`] : [])),
    ['attempt 1/2: ', 'summary: I tried induction; the base case holds.', 'attempt 2/2: A first proof by induction.'],
  );
  assert.ok(result.insertion?.newText.includes('n(n-1)'));
});

/** Deep-mode scripts: candidates answer in "Solution"/"Self Evaluation" sections; verifications end in \boxed{}. */
const candidate = (proof: string): string => `Plan.\n</think>\n\n## Solution\n${proof}\n\n## Self Evaluation\nI believe it is correct.`;
const review = (score: string, note: string): string => `Checking.\n</think>\n\n${note} \\boxed{${score}}`;

test('deep mode picks the candidate with the best verification scores and stops early at a perfect score', async () => {
  const scripts = [
    candidate('Proof A: by a trick.'),
    candidate('Proof B: since $n \\ge 1$, $n^2 \\ge n$.'),
    review('0', 'Step 1 of A is wrong.'), review('0.5', 'A has a gap.'),
    review('1', 'B is right.'), review('1', 'B is complete.'),
  ];
  const client = await server('natural', { QED_NANO_TEST_SCRIPT: JSON.stringify(scripts) });
  await client.configure({ qedNano: { model: tinyModelPath('natural'), threads: 1, contextSize: 8192, gpu: 'off', deep: { poolSize: 2, verifications: 2, rounds: 2 } } });
  const streamed = streamOf(client, 'deep-1');
  const result = await client.connection.sendRequest(ProveRequest, { ...at(5, 3), mode: 'deep', partialResultToken: 'deep-1' });
  assert.equal(result.proof, 'Proof B: since $n \\ge 1$, $n^2 \\ge n$.');
  assert.deepEqual(result.deep?.candidates.map((c) => [c.id, c.round, c.scores, c.mean]), [[1, 1, [0, 0.5], 0.25], [2, 1, [1, 1], 1]]);
  assert.equal(result.deep?.chosen, 2);
  assert.equal(result.deep?.stoppedBecause, 'perfectScore');
  assert.deepEqual(result.deep?.objections, []);
  assert.ok(result.insertion?.newText.includes('Proof B'));
  assert.ok(streamed.some((v) => v.kind === 'candidates' && v.best?.id === 2));
});

test('deep mode refines the best proofs from their weakest reviews, verifies again, and respects the token budget', async () => {
  const scripts = [
    candidate('First try.'), candidate('Second try.'),
    review('0', 'First: fatal error.'), review('0', 'First: no.'),
    review('0.5', 'Second: a gap in step 2.'), review('0', 'Second: step 3 is wrong.'),
    // Round 2 refines the better one first (the second), then the first.
    candidate('Second try, fixed.'), candidate('First try, fixed.'),
    review('1', 'Fixed second is right.'), review('0.5', 'Fixed second: a small omission.'),
    review('0', 'Fixed first: still wrong.'), review('0', 'Fixed first: no.'),
  ];
  const client = await server('natural', { QED_NANO_TEST_SCRIPT: JSON.stringify(scripts) });
  await client.configure({ qedNano: { model: tinyModelPath('natural'), threads: 1, contextSize: 8192, gpu: 'off', deep: { poolSize: 2, verifications: 2, rounds: 1 } } });
  const result = await client.connection.sendRequest(ProveRequest, { ...at(5, 3), mode: 'deep' });
  assert.equal(result.proof, 'Second try, fixed.');
  assert.deepEqual(result.deep?.candidates.map((c) => [c.id, c.round, c.refines ?? null, c.mean]), [
    [1, 1, null, 0], [2, 1, null, 0.25], [3, 2, 2, 0.75], [4, 2, 1, 0],
  ]);
  assert.equal(result.deep?.rounds, 2);
  assert.equal(result.deep?.stoppedBecause, 'roundsDone');
  assert.deepEqual(result.deep?.objections.map((o) => o.trim()), ['Fixed second: a small omission. \\boxed{0.5}']);

  const budgeted = await server('natural', { QED_NANO_TEST_SCRIPT: JSON.stringify(scripts) });
  await budgeted.configure({ qedNano: { model: tinyModelPath('natural'), threads: 1, contextSize: 8192, gpu: 'off', deep: { poolSize: 2, verifications: 2, rounds: 1, tokenBudget: 50 } } });
  const cut = await budgeted.connection.sendRequest(ProveRequest, { ...at(5, 3), mode: 'deep' });
  assert.equal(cut.deep?.stoppedBecause, 'tokenBudget');
  assert.equal(cut.deep?.candidates.length, 2, 'no verification or refinement once the budget is spent');
  assert.ok(cut.deep!.tokensUsed >= 50);
});

test('qed/proofInsertion places a given proof after a statement of the document as it is now', async () => {
  const client = await server('natural');
  const edit = await client.connection.sendRequest(ProofInsertionRequest, {
    textDocument: { uri: 'file:///work/main.tex' },
    statement: '$1 \\ge 1$.',
    proof: '**Proof.** Clear. ∎',
  });
  assert.deepEqual(edit, { version: 1, range: { start: { line: 3, character: 11 }, end: { line: 3, character: 11 } }, newText: '\n\\begin{proof}\nClear.\n\\end{proof}' });
  assert.equal(await client.connection.sendRequest(ProofInsertionRequest, { textDocument: { uri: 'file:///work/main.tex' }, statement: 'Not in the document.', proof: 'x' }), null);
  // Insert anyway: the statement was edited, so the one at the position where Prove was asked is used.
  const anyway = await client.connection.sendRequest(ProofInsertionRequest, {
    textDocument: { uri: 'file:///work/main.tex' },
    statement: '$1 \\ge 0$ (as it was before an edit).',
    proof: 'Clear.',
    position: { line: 2, character: 1 },
  });
  assert.deepEqual(anyway?.range, { start: { line: 3, character: 11 }, end: { line: 3, character: 11 } });
  assert.equal(
    await client.connection.sendRequest(ProofInsertionRequest, { textDocument: { uri: 'file:///work/main.tex' }, statement: 'Gone.', proof: 'x', position: { line: 0, character: 0 } }),
    null,
    'no statement at the position either',
  );
});

test('qedNano.structure patterns: Prove finds a problem written in a format the user taught (and only then)', async () => {
  const taught = { problemPatterns: ['Aufgabe \\d+\\.?'], solutionPatterns: ['Lösungsvorschlag[.:]?'] };
  const client = await server('natural', { QED_NANO_TEST_SCRIPT: 'Klar.</think>**Beweis.** $n^2 - n = n(n-1)$. ∎' });
  const uri = 'file:///work/aufgaben.md';
  await client.open(uri, 'markdown', 'Aufgabe 1. Zeige, dass $n^2 - n$ gerade ist.\n\nAufgabe 2. Zeige $3 \\mid n^3 - n$.\n\nLösungsvorschlag. Klar.\n');
  await assert.rejects(client.connection.sendRequest(ProveRequest, { textDocument: { uri }, position: { line: 0, character: 12 } }), /Put the cursor in a theorem/);
  // Pushed settings replace the client's whole qedNano section: the model's settings go along.
  await client.configure({ qedNano: { model: tinyModelPath('natural'), threads: 1, contextSize: 2048, gpu: 'off', generation: { maxTokens: 1500 }, structure: taught } });
  let lenses: unknown[] = [];
  for (let i = 0; i < 50 && lenses.length === 0; i++) lenses = ((await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? []).filter((l) => l.command?.command === 'qedNano.prove');
  assert.equal(lenses.length, 1, 'Aufgabe 1 has no solution: one Prove lens');
  const result = await client.connection.sendRequest(ProveRequest, { textDocument: { uri }, position: { line: 0, character: 12 } });
  assert.equal(result.statement, 'Zeige, dass $n^2 - n$ gerade ist.');
  assert.equal(result.proof, '**Beweis.** $n^2 - n = n(n-1)$. ∎');
});
