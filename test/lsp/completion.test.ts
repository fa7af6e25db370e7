/**
 * `textDocument/inlineCompletion` over a real stdio connection with the real engine and the tiny model;
 * exact suggestions from the server's scripted mode (QED_NANO_TEST_SCRIPT).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource, InlineCompletionRequest, type InlineCompletionList, type InlineCompletionParams } from 'vscode-languageserver-protocol';
import { LoadModelRequest, StatusNotification, type ModelStatus } from '../../server/src/protocol';
import { TestLanguageClient } from '../support/lspClient';
import { tinyModelPath } from '../support/models';

const storage = mkdtempSync(path.join(tmpdir(), 'qed-complete-'));
const clients: TestLanguageClient[] = [];
after(async () => {
  for (const client of clients) await client.stop();
  rmSync(storage, { recursive: true, force: true });
});

const LATEX = String.raw`\newcommand{\N}{\mathbb{N}}
\begin{theorem}
For all $n \in \N$, $n^2 \ge n$.
\end{theorem}
\begin{proof}
Let $n \in \N$. Then
\end{proof}
`;

const MARKDOWN = `## Problem 1
Show that $n^2 \\ge n$ for every integer $n \\ge 1$.

**Proof.** Let $n \\ge 1$. Then ∎
`;

async function server(scripts: string[] | undefined, extra: object = {}, load = true, model: 'natural' | 'endless' | 'qwen3' = scripts ? 'natural' : 'endless'): Promise<TestLanguageClient> {
  const { client } = await TestLanguageClient.start(
    // Without `load`, the model stays unloaded: not even in the background when a document opens.
    { storagePath: storage, qedNano: { model: tinyModelPath(model), threads: 1, contextSize: 2048, gpu: 'off', loadModelOnOpen: load, ...extra } },
    {},
    { ...process.env, ...(scripts ? { QED_NANO_TEST_SCRIPT: JSON.stringify(scripts) } : {}) },
  );
  clients.push(client);
  if (load) await client.connection.sendRequest(LoadModelRequest);
  return client;
}

function complete(client: TestLanguageClient, uri: string, line: number, character: number, triggerKind: 1 | 2 = 2, token?: CancellationTokenSource): Promise<InlineCompletionList | null> {
  const params: InlineCompletionParams = { textDocument: { uri }, position: { line, character }, context: { triggerKind } };
  return client.connection.sendRequest(InlineCompletionRequest.type, params, token?.token) as Promise<InlineCompletionList | null>;
}

test('LaTeX: the rest of the sentence from the cursor, stopping at the end of the step, in the proof\'s notation', async () => {
  const client = await server([' $n^2 = n \\cdot n \\ge n$ because $n \\ge 1$. Next, more text follows.']);
  const uri = 'file:///work/complete.tex';
  await client.open(uri, 'latex', LATEX);
  const list = await complete(client, uri, 5, 20);
  assert.deepEqual(list, { items: [{ insertText: ' $n^2 = n \\cdot n \\ge n$ because $n \\ge 1$.', range: { start: { line: 5, character: 20 }, end: { line: 5, character: 20 } } }] });
});

test('with Qwen3\'s real tokenizer: a suggestion in the middle of a word is exactly the rest of the step', async () => {
  const client = await server(['en $n^2 = n \\cdot n \\ge n$ because $n \\ge 1$. More.'], {}, true, 'qwen3');
  const uri = 'file:///work/complete-qwen3.tex';
  await client.open(uri, 'latex', LATEX.replace('Then\n', 'Th\n'));
  const list = await complete(client, uri, 5, 18);
  assert.equal(list?.items[0]?.insertText, 'en $n^2 = n \\cdot n \\ge n$ because $n \\ge 1$.');
});

test('Markdown: the suggestion ends before the end mark the document already has', async () => {
  const client = await server([' $n^2 - n = n(n-1) \\ge 0$ ∎ and more']);
  const uri = 'file:///work/complete.md';
  await client.open(uri, 'markdown', MARKDOWN);
  const list = await complete(client, uri, 3, 30);
  assert.equal(list?.items[0]?.insertText, ' $n^2 - n = n(n-1) \\ge 0$');
});

test('a suggestion never closes the proof environment', async () => {
  const client = await server([' which proves the claim \\end{proof}\n\\end{document}']);
  const uri = 'file:///work/closing.tex';
  await client.open(uri, 'latex', LATEX);
  const list = await complete(client, uri, 5, 20);
  assert.equal(list?.items[0]?.insertText, ' which proves the claim');
});

test('outside a proof there is no suggestion, and without a loaded model none and no load', async () => {
  const client = await server(['never used.'], {}, false);
  const statuses: ModelStatus[] = [];
  client.connection.onNotification(StatusNotification, (status) => {
    statuses.push(status);
  });
  const uri = 'file:///work/outside.tex';
  await client.open(uri, 'latex', LATEX);
  assert.equal(await complete(client, uri, 5, 20), null, 'no model loaded: nothing, and nothing loads');
  assert.ok(!statuses.some((s) => s.state === 'loading' || s.state === 'downloading'));
  await client.connection.sendRequest(LoadModelRequest);
  assert.equal(await complete(client, uri, 2, 5), null, 'in the statement');
  assert.equal(await complete(client, uri, 0, 3), null, 'in the preamble');
});

test('a newer request ends the older one; a cancelled request answers RequestCancelled', async () => {
  const client = await server([`${' word'.repeat(100)}`, ' the second suggestion. More.']);
  const uri = 'file:///work/newer.tex';
  await client.open(uri, 'latex', LATEX);
  const older = complete(client, uri, 5, 20);
  await new Promise((r) => setTimeout(r, 30));
  const newer = complete(client, uri, 5, 20);
  assert.equal(await older, null, 'superseded');
  assert.equal((await newer)?.items[0]?.insertText, ' the second suggestion.');

  const source = new CancellationTokenSource();
  const cancelled = complete(client, uri, 5, 20, 2, source);
  source.cancel();
  await assert.rejects(cancelled, (error: unknown) => (error as { code?: number }).code === -32800);
});

test('manual mode answers only when asked (trigger kind Invoked); off never answers', async () => {
  const client = await server([' asked for. Yes.'], { completion: { mode: 'manual' } });
  const uri = 'file:///work/manual.tex';
  await client.open(uri, 'latex', LATEX);
  assert.equal(await complete(client, uri, 5, 20, 2), null, 'automatic trigger ignored');
  assert.equal((await complete(client, uri, 5, 20, 1))?.items[0]?.insertText, ' asked for.');
  await client.configure({ qedNano: { model: tinyModelPath('natural'), threads: 1, contextSize: 2048, gpu: 'off', completion: { mode: 'off' } } });
  assert.equal(await complete(client, uri, 5, 20, 1), null);
});
