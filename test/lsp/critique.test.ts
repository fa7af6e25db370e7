/**
 * `qed/critique` and critique on save, over a real stdio connection with the real engine and the tiny
 * model. Exact findings come from the server's scripted mode (QED_NANO_TEST_SCRIPT: the review's text, then
 * the JSON read-out, in turn), which the read-out's grammar accepts as the model would write it.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CancellationTokenSource,
  CodeActionRequest,
  CodeActionResolveRequest,
  CodeLensRequest,
  ExecuteCommandRequest,
  type CodeAction,
  DidSaveTextDocumentNotification,
  ResponseError,
  type Diagnostic,
} from 'vscode-languageserver-protocol';
import { CritiqueRequest, LoadModelRequest, ProveRequest, RefineRequest, SetupInfoRequest, StatusNotification, type ModelStatus, type GenerationProgress, type SetupInfo } from '../../server/src/protocol';
import { MAX_DRAFT } from '../../server/src/engine/lookupPredictor';
import { TestLanguageClient } from '../support/lspClient';
import { tinyModelPath } from '../support/models';

const storage = mkdtempSync(path.join(tmpdir(), 'qed-critique-'));
const clients: TestLanguageClient[] = [];
after(async () => {
  for (const client of clients) await client.stop();
  rmSync(storage, { recursive: true, force: true });
});

const LATEX = String.raw`\begin{theorem}\label{thm:sq}
For all $n \ge 1$, $n^2 \ge n$.
\end{theorem}
\begin{proof}
Let $n \ge 1$.

Then $n^2 - n = n(n-1)$, see \ref{missing}.

Since $n - 1 \ge 0$, the product is nonnegative, so $n^2 \ge n$.
\end{proof}
`;

const MARKDOWN = `## Problem 1
Show that $n^2 \\ge n$ for every integer $n \\ge 1$.

**Proof.** Let $n \\ge 1$.

Then $n^2 - n = n(n-1)$.

Since $n - 1 \\ge 0$, we get $n^2 \\ge n$. ∎
`;

const REVIEW = 'Step 3 needs the sign of both factors.\n</think>\n\nStep 3 asserts the product is nonnegative without saying why both factors are. \\boxed{0.5}';
const FINDINGS = (step: number, text: string): string => `{"score":"0.5","findings":[{"step":${step},"kind":"gap","explanation":"${text}"},{"step":7,"kind":"error","explanation":"There is no step 7."}]}`;

/** What VS Code's client says of code actions: literals, and edits made on resolve. */
const CODE_ACTIONS = { codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } }, resolveSupport: { properties: ['edit'] } } };

async function server(model: 'natural' | 'endless', scripts?: string[], extra: object = {}): Promise<TestLanguageClient> {
  const { client } = await TestLanguageClient.start(
    {
      storagePath: storage,
      qedNano: { model: tinyModelPath(model), threads: 1, contextSize: 4096, gpu: 'off', generation: { maxTokens: 1500 }, critique: { trigger: 'onSave', thinkingBudget: 1000 }, ...extra },
    },
    { workspace: { codeLens: { refreshSupport: true } }, textDocument: CODE_ACTIONS },
    { ...process.env, ...(scripts ? { QED_NANO_TEST_SCRIPT: JSON.stringify(scripts) } : {}) },
  );
  client.connection.onRequest('workspace/codeLens/refresh', () => null);
  clients.push(client);
  return client;
}

const critiques = (diagnostics: Diagnostic[]): Diagnostic[] => diagnostics.filter((d) => d.source === 'QED-Nano');

async function lensTitles(client: TestLanguageClient, uri: string): Promise<string[]> {
  return ((await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? []).map((l) => l.command?.title ?? '');
}

test('LaTeX: the findings land on exactly their steps, beside the structural ones; a step that does not exist is dropped', async () => {
  const client = await server('natural', [REVIEW, FINDINGS(3, 'Why is n(n-1) nonnegative?')]);
  const uri = 'file:///work/critique.tex';
  await client.open(uri, 'latex', LATEX);
  const result = await client.connection.sendRequest(CritiqueRequest, { textDocument: { uri }, position: { line: 4, character: 2 } });
  assert.deepEqual(result.proofs.map((p) => [p.title, p.score, p.findings]), [['Theorem', 0.5, 1]]);
  const diagnostics = await client.diagnostics(uri, (p) => p.diagnostics.some((d) => d.source === 'QED-Nano'));
  assert.deepEqual(critiques(diagnostics).map((d) => ({ range: d.range, severity: d.severity, code: d.code, message: d.message })), [
    { range: { start: { line: 8, character: 0 }, end: { line: 8, character: LATEX.split('\n')[8]!.length } }, severity: 2, code: 'gap', message: 'Why is n(n-1) nonnegative?' },
  ]);
  assert.deepEqual(critiques(diagnostics)[0]!.relatedInformation?.[0]?.location.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 15 } });
  assert.ok(diagnostics.some((d) => d.source === 'QED-Nano structure' && d.code === 'undefined-reference'), 'the structural finding stays');
  assert.ok((await lensTitles(client, uri)).includes('QED-Nano: 0.5 · 1 issue · Critique again'));
});

test('Markdown: the same critique on the steps of a labelled proof', async () => {
  const client = await server('natural', [REVIEW, FINDINGS(2, 'Factor it fully.')]);
  const uri = 'file:///work/critique.md';
  await client.open(uri, 'markdown', MARKDOWN);
  await client.connection.sendRequest(CritiqueRequest, { textDocument: { uri } });
  const diagnostics = await client.diagnostics(uri, (p) => p.diagnostics.some((d) => d.source === 'QED-Nano'));
  assert.deepEqual(critiques(diagnostics).map((d) => [d.range.start.line, d.range.end.line, d.code, d.message]), [[5, 5, 'gap', 'Factor it fully.']]);
});

test('edits: findings follow lines inserted above; an edited step loses its finding at once and the lens says outdated', async () => {
  const client = await server('natural', [REVIEW, FINDINGS(3, 'Why is n(n-1) nonnegative?')]);
  const uri = 'file:///work/edits.tex';
  await client.open(uri, 'latex', LATEX);
  await client.connection.sendRequest(CritiqueRequest, { textDocument: { uri } });
  await client.change(uri, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '% notes\n% more notes\n' }]);
  const moved = await client.diagnostics(uri, (p) => p.version === 2);
  assert.deepEqual(critiques(moved).map((d) => d.range.start.line), [10], 'the finding followed its step two lines down');

  await client.change(uri, 3, [{ range: { start: { line: 10, character: 0 }, end: { line: 10, character: 5 } }, text: 'As' }]);
  const edited = await client.diagnostics(uri, (p) => p.version === 3);
  assert.deepEqual(critiques(edited), [], 'the edited step lost its finding');
  assert.ok((await lensTitles(client, uri)).includes('QED-Nano: outdated · Critique again'));
});

test('on save, only proofs whose text changed are critiqued again; the others keep their findings', async () => {
  const two = `${LATEX}\\begin{lemma}\nFor all $x$, $x^2 \\ge 0$.\n\\end{lemma}\n\\begin{proof}\nA square is nonnegative.\n\\end{proof}\n`;
  const client = await server('natural', [REVIEW, FINDINGS(3, 'First critique of the theorem.'), REVIEW, FINDINGS(1, 'First critique of the lemma.'), REVIEW, FINDINGS(1, 'Second critique of the lemma.')]);
  const uri = 'file:///work/save.tex';
  await client.open(uri, 'latex', two);
  await client.connection.sendRequest(LoadModelRequest);
  await client.connection.sendNotification(DidSaveTextDocumentNotification.type, { textDocument: { uri } });
  const first = await client.diagnostics(uri, (p) => critiques(p.diagnostics).length === 2, 30_000);
  assert.deepEqual(critiques(first).map((d) => d.message), ['First critique of the theorem.', 'First critique of the lemma.']);

  await client.change(uri, 2, [{ range: { start: { line: 14, character: 0 }, end: { line: 14, character: 1 } }, text: 'Every' }]);
  await client.connection.sendNotification(DidSaveTextDocumentNotification.type, { textDocument: { uri } });
  const second = await client.diagnostics(uri, (p) => critiques(p.diagnostics).some((d) => String(d.message).startsWith('Second')), 30_000);
  assert.deepEqual(critiques(second).map((d) => String(d.message)), ['First critique of the theorem.', 'Second critique of the lemma.']);
});

test('an edit to the proof while it is critiqued cancels that critique', async () => {
  const client = await server('endless', undefined, { generation: { maxTokens: 20_000 }, critique: { thinkingBudget: 20_000 } });
  const uri = 'file:///work/cancel.tex';
  await client.open(uri, 'latex', LATEX);
  await client.connection.sendRequest(LoadModelRequest);
  const running = client.connection.sendRequest(CritiqueRequest, { textDocument: { uri } });
  await new Promise((r) => setTimeout(r, 500));
  // Asked in the same write as the edit, so the server reads the count as the edit reaches it.
  const atEdit = client.connection.sendRequest(SetupInfoRequest);
  await client.change(uri, 2, [{ range: { start: { line: 4, character: 0 }, end: { line: 4, character: 3 } }, text: 'Take' }]);
  await assert.rejects(running, (error: unknown) => error instanceof ResponseError && error.code === -32800 && /changed while it was critiqued/.test(error.message));
  // Counted, not timed: a lost cancel goes on to the 20,000-token budget; a prompt one stops within the
  // evaluation in flight (0 tokens seen here).
  const evaluated = async (info: Promise<SetupInfo>): Promise<number> => (await info).loaded!.meteredTokens;
  const afterEdit = (await evaluated(client.connection.sendRequest(SetupInfoRequest))) - (await evaluated(atEdit));
  assert.ok(afterEdit <= 4 * (1 + MAX_DRAFT), `${afterEdit} tokens read or generated after the edit`);
});

test('Prove pre-empts a running background critique, which then runs again and finishes', async () => {
  const client = await server('endless', undefined, { generation: { maxTokens: 2500, thinkingBudget: 2500 }, critique: { thinkingBudget: 2500 } });
  const uri = 'file:///work/preempt.tex';
  await client.open(uri, 'latex', LATEX);
  await client.connection.sendRequest(LoadModelRequest);
  const order: string[] = [];
  const critique = client.connection.sendRequest(CritiqueRequest, { textDocument: { uri } }).then(
    () => order.push('critique'),
    (error: unknown) => order.push(`critique failed: ${String(error)}`),
  );
  await new Promise((r) => setTimeout(r, 300));
  const proof = client.connection.sendRequest(ProveRequest, { textDocument: { uri }, position: { line: 1, character: 2 } }).then(() => order.push('prove'));
  await Promise.all([critique, proof]);
  assert.equal(order[0], 'prove', order.join(', '));
  assert.match(order[1] ?? '', /^critique/);
});

test('the random model\'s JSON read-out always parses, or the critique fails with a reason and changes nothing', async () => {
  const client = await server('natural', undefined, { critique: { depth: 'quick' }, generation: { maxTokens: 600, temperature: 0.9 } });
  const uri = 'file:///work/random.tex';
  await client.open(uri, 'latex', LATEX);
  for (let i = 0; i < 5; i++) {
    const source = new CancellationTokenSource();
    try {
      const result = await client.connection.sendRequest(CritiqueRequest, { textDocument: { uri } }, source.token);
      assert.ok([0, 0.5, 1].includes(result.proofs[0]!.score));
    } catch (error) {
      assert.ok(error instanceof ResponseError && error.code === -32803 && /could not be read.*nothing was changed/.test(error.message), String(error));
    }
  }
  const lenses = await lensTitles(client, uri);
  assert.ok(lenses.some((t) => t.startsWith('QED-Nano:')), lenses.join(' | '));
});

const REFINED = 'The step needs both factors.\n</think>\n\nSince $n \\ge 1$, both $n$ and $n - 1$ are nonnegative, so their product $n(n-1) \\ge 0$, that is $n^2 \\ge n$.';

test('Refine this step: resolving the quick fix runs the model and replaces exactly that step; a changed step is refused', async () => {
  const client = await server('natural', [REVIEW, FINDINGS(3, 'Why is n(n-1) nonnegative?'), REFINED]);
  const uri = 'file:///work/refine.tex';
  await client.open(uri, 'latex', LATEX);
  await client.connection.sendRequest(CritiqueRequest, { textDocument: { uri } });
  const [finding] = critiques(await client.diagnostics(uri, (p) => critiques(p.diagnostics).length === 1));
  const actions = (await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: finding!.range, context: { diagnostics: [finding!] } })) as CodeAction[];
  assert.deepEqual(actions.map((a) => a.title), ['Refine step 3 with QED-Nano', 'Refine the whole proof with QED-Nano', 'Dismiss this finding (until the step changes)']);
  assert.equal(actions[0]!.edit, undefined, 'the model runs only when the action is chosen');
  const resolved = await client.connection.sendRequest(CodeActionResolveRequest.type, actions[0]!);
  assert.deepEqual(resolved.edit?.documentChanges, [
    {
      textDocument: { uri, version: 1 },
      edits: [{ range: finding!.range, newText: 'Since $n \\ge 1$, both $n$ and $n - 1$ are nonnegative, so their product $n(n-1) \\ge 0$, that is $n^2 \\ge n$.' }],
    },
  ]);

  await client.change(uri, 2, [{ range: { start: { line: 8, character: 0 }, end: { line: 8, character: 5 } }, text: 'As' }]);
  await assert.rejects(client.connection.sendRequest(CodeActionResolveRequest.type, actions[0]!), (error: unknown) => {
    assert.ok(error instanceof ResponseError && error.code === -32803, String(error));
    assert.match(error.message, /The step changed since QED-Nano critiqued it, so the refinement is not applied/);
    return true;
  });
});

test('Dismiss hides a finding until its step changes, also after the server restarts', async () => {
  const dismissStorage = mkdtempSync(path.join(tmpdir(), 'qed-dismiss-'));
  const start = async (): Promise<TestLanguageClient> => {
    const { client } = await TestLanguageClient.start(
      { storagePath: dismissStorage, qedNano: { model: tinyModelPath('natural'), threads: 1, contextSize: 4096, gpu: 'off', critique: { thinkingBudget: 1000 } } },
      { textDocument: CODE_ACTIONS },
      { ...process.env, QED_NANO_TEST_SCRIPT: JSON.stringify([REVIEW, FINDINGS(3, 'Why is n(n-1) nonnegative?')]) },
    );
    clients.push(client);
    return client;
  };
  const uri = 'file:///work/dismiss.tex';
  const first = await start();
  await first.open(uri, 'latex', LATEX);
  await first.connection.sendRequest(CritiqueRequest, { textDocument: { uri } });
  const [finding] = critiques(await first.diagnostics(uri, (p) => critiques(p.diagnostics).length === 1));
  const actions = (await first.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: finding!.range, context: { diagnostics: [finding!] } })) as CodeAction[];
  const dismiss = actions.find((a) => a.title.startsWith('Dismiss'))!;
  await first.connection.sendRequest(ExecuteCommandRequest.type, { command: dismiss.command!.command, arguments: dismiss.command!.arguments! });
  await first.diagnostics(uri, (p) => p.diagnostics.length > 0 && critiques(p.diagnostics).length === 0);

  const second = await start();
  await second.open(uri, 'latex', LATEX);
  await second.connection.sendRequest(CritiqueRequest, { textDocument: { uri } });
  const lenses = await lensTitles(second, uri);
  // The dismissed finding is no longer counted as an issue (it once still read "0.5 · 1 issue").
  assert.ok(lenses.includes('QED-Nano: 0.5 · 0 issues (1 dismissed) · Critique again'), lenses.join(' | '));
  assert.deepEqual(critiques(await second.diagnostics(uri, (p) => p.diagnostics.length > 0)), [], 'still dismissed after a restart');

  const edited = LATEX.replace('Since $n - 1 \\ge 0$', 'As $n - 1 \\ge 0$');
  await second.change(uri, 2, [{ text: edited }]);
  await second.connection.sendRequest(CritiqueRequest, { textDocument: { uri } });
  const back = critiques(await second.diagnostics(uri, (p) => critiques(p.diagnostics).length === 1));
  assert.equal(back[0]!.range.start.line, 8, 'the step changed: its finding shows again');
  rmSync(dismissStorage, { recursive: true, force: true });
});

test('with no model loaded, saving critiques nothing: structural checks only, and the status and lens say critique waits', async () => {
  const { client } = await TestLanguageClient.start(
    // The model is not loaded in the background here (as with an hf: model not downloaded yet).
    { storagePath: storage, qedNano: { model: tinyModelPath('natural'), threads: 1, contextSize: 2048, gpu: 'off', loadModelOnOpen: false } },
    { workspace: { codeLens: { refreshSupport: true } }, textDocument: CODE_ACTIONS },
  );
  clients.push(client);
  const statuses: ModelStatus[] = [];
  client.connection.onNotification(StatusNotification, (status) => {
    statuses.push(status);
  });
  client.connection.onRequest('workspace/codeLens/refresh', () => null);
  const uri = 'file:///work/no-model.tex';
  await client.open(uri, 'latex', LATEX);
  await client.connection.sendNotification(DidSaveTextDocumentNotification.type, { textDocument: { uri } });
  for (let i = 0; i < 100 && !statuses.some((s) => /Critiques wait for a model/.test(s.message ?? '')); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(statuses.at(-1)?.state, 'absent', 'no model was loaded behind the user\'s back');
  assert.match(statuses.at(-1)?.message ?? '', /Critiques wait for a model: click to load it\./);
  assert.ok((await lensTitles(client, uri)).includes('QED-Nano: critique waits for a model · Load Model'));
  assert.deepEqual(critiques(await client.diagnostics(uri)), []);
});

test('a refined step in a LaTeX document is written in LaTeX: the model\'s Markdown emphasis becomes \\textbf, the math stays', async () => {
  const markdownStep = 'Needs both.\n</think>\n\nSince **both** $n$ and $n - 1$ are nonnegative, $n(n-1) \\ge 0$.';
  const client = await server('natural', [REVIEW, FINDINGS(3, 'Why is n(n-1) nonnegative?'), markdownStep]);
  const uri = 'file:///work/refine-format.tex';
  await client.open(uri, 'latex', LATEX);
  await client.connection.sendRequest(CritiqueRequest, { textDocument: { uri } });
  const [finding] = critiques(await client.diagnostics(uri, (p) => critiques(p.diagnostics).length === 1));
  const stepText = LATEX.split('\n')[8]!;
  const result = await client.connection.sendRequest(RefineRequest, { textDocument: { uri }, range: finding!.range, text: stepText, objection: String(finding!.message) });
  assert.equal(result.after, 'Since **both** $n$ and $n - 1$ are nonnegative, $n(n-1) \\ge 0$.', 'the model\'s text, as the panel shows it');
  assert.equal(result.edit.newText, 'Since \\textbf{both} $n$ and $n - 1$ are nonnegative, $n(n-1) \\ge 0$.', 'what goes into the .tex file');
});

test('refinements in a LaTeX document that writes \\(…\\) write it too: a step and the whole proof, as Insert would', async () => {
  // The same theorem and proof with every formula between \( and \).
  const parens = LATEX.replace(/\$([^$]+)\$/g, '\\($1\\)');
  const markdownStep = 'Needs both.\n</think>\n\nSince **both** $n$ and $n - 1$ are nonnegative, $n(n-1) \\ge 0$.';
  const wholeProof = 'Redo it.\n</think>\n\n## Solution\nLet $n \\ge 1$. Then $$n^2 - n = n(n-1) \\ge 0$$ since both factors are. ∎\n\n## Self Evaluation\nFine.';
  const client = await server('natural', [REVIEW, FINDINGS(3, 'Why is n(n-1) nonnegative?'), markdownStep, wholeProof]);
  const uri = 'file:///work/refine-parens.tex';
  await client.open(uri, 'latex', parens);
  await client.connection.sendRequest(CritiqueRequest, { textDocument: { uri } });
  const [finding] = critiques(await client.diagnostics(uri, (p) => critiques(p.diagnostics).length === 1));
  const stepText = parens.split('\n')[8]!;
  const step = await client.connection.sendRequest(RefineRequest, { textDocument: { uri }, range: finding!.range, text: stepText, objection: String(finding!.message) });
  assert.equal(step.after, 'Since **both** $n$ and $n - 1$ are nonnegative, $n(n-1) \\ge 0$.', 'the model\'s text, as the panel shows it');
  assert.equal(step.edit.newText, 'Since \\textbf{both} \\(n\\) and \\(n - 1\\) are nonnegative, \\(n(n-1) \\ge 0\\).', 'what goes into the .tex file');

  const body = { start: { line: 3, character: 13 }, end: { line: 9, character: 0 } };
  const whole = await client.connection.sendRequest(RefineRequest, { textDocument: { uri }, range: body, whole: true, text: parens.split('\n').slice(3, 9).join('\n').slice(13) + '\n', objection: 'Step 3 skips a reason.' });
  assert.equal(whole.edit.newText, '\nLet \\(n \\ge 1\\). Then \\[n^2 - n = n(n-1) \\ge 0\\] since both factors are.\n');
});

test('qed/refine streams the thinking and the new step, and returns the edit of exactly that step; a whole proof becomes a LaTeX body', async () => {
  const wholeProof = 'Redo it.\n</think>\n\n## Solution\nLet $n \\ge 1$. Then $n^2 - n = n(n-1) \\ge 0$ since **both** factors are nonnegative. ∎\n\n## Self Evaluation\nFine.';
  const client = await server('natural', [REVIEW, FINDINGS(3, 'Why is n(n-1) nonnegative?'), REFINED, wholeProof]);
  const uri = 'file:///work/refine-stream.tex';
  await client.open(uri, 'latex', LATEX);
  await client.connection.sendRequest(CritiqueRequest, { textDocument: { uri } });
  const [finding] = critiques(await client.diagnostics(uri, (p) => critiques(p.diagnostics).length === 1));
  const streamed: GenerationProgress[] = [];
  client.connection.onNotification('$/progress', (params: { token: string; value: GenerationProgress }) => {
    if (params.token === 'refine-1') streamed.push(params.value);
  });
  const stepText = LATEX.split('\n')[8]!;
  const result = await client.connection.sendRequest(RefineRequest, { textDocument: { uri }, range: finding!.range, text: stepText, objection: String(finding!.message), partialResultToken: 'refine-1' });
  const after = 'Since $n \\ge 1$, both $n$ and $n - 1$ are nonnegative, so their product $n(n-1) \\ge 0$, that is $n^2 \\ge n$.';
  assert.deepEqual(result, { before: stepText, after, edit: { version: 1, range: finding!.range, newText: after } });
  assert.deepEqual(streamed[0], { kind: 'started', statement: stepText, macros: {} });
  assert.equal(streamed.filter((v) => v.kind === 'answer').map((v) => (v as { text: string }).text).join(''), after);
  assert.ok(streamed.some((v) => v.kind === 'thinking'));

  const body = { start: { line: 3, character: 13 }, end: { line: 9, character: 0 } };
  const whole = await client.connection.sendRequest(RefineRequest, { textDocument: { uri }, range: body, whole: true, text: LATEX.split('\n').slice(3, 9).join('\n').slice(13) + '\n', objection: 'Step 3 skips a reason.' });
  assert.equal(whole.edit.newText, '\nLet $n \\ge 1$. Then $n^2 - n = n(n-1) \\ge 0$ since \\textbf{both} factors are nonnegative.\n');
});
