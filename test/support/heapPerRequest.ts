/**
 * Heap kept per model request, over a real connection: a language server started with --expose-gc (its
 * qed/setupInfo then reports the heap after a full collection) serves `warmUp` requests, then `measured`
 * more; the result is the growth between the two, per request. Used by test/lsp/memory.test.ts and the bench.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource, DocumentSymbolRequest, InlineCompletionRequest } from 'vscode-languageserver-protocol';
import { ChatRequest, LoadModelRequest, ProveRequest, SetupInfoRequest } from '../../server/src/protocol';
import { TestLanguageClient } from './lspClient';
import { tinyModelPath } from './models';

export type RequestKind = 'completion' | 'prove' | 'chat' | 'cancelledProve' | 'outline';
export const REQUEST_KINDS: readonly RequestKind[] = ['completion', 'prove', 'chat', 'cancelledProve', 'outline'];

/** Bytes of heap (after GC) kept per request of `kinds` (taken in turn), after `warmUp` requests. */
export async function heapPerRequest(kinds: readonly RequestKind[], warmUp: number, measured: number): Promise<number> {
  const storage = mkdtempSync(path.join(tmpdir(), 'qed-heap-'));
  const { client } = await TestLanguageClient.start(
    { storagePath: storage, qedNano: { model: tinyModelPath('natural'), threads: 1, contextSize: 2048, gpu: 'off', generation: { maxTokens: 20, thinkingBudget: 15 }, completion: { mode: 'manual' } } },
    {},
    { ...process.env, QED_NANO_TEST_SCRIPT: JSON.stringify(['Short.\n</think>\n\nDone.']) },
    ['--expose-gc'],
  );
  try {
    const uri = 'file:///work/memory.tex';
    await client.open(uri, 'latex', '\\begin{problem}\nShow that $n^2 \\ge n$.\n\\end{problem}\n\\begin{proof}\nLet $n \\ge 1$. Then\n\\end{proof}\n');
    await client.connection.sendRequest(LoadModelRequest);
    const inProblem = { textDocument: { uri }, position: { line: 1, character: 3 } };
    const send = async (kind: RequestKind): Promise<void> => {
      if (kind === 'completion') {
        await client.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: { line: 4, character: 20 }, context: { triggerKind: 1 } });
      } else if (kind === 'prove') await client.connection.sendRequest(ProveRequest, inProblem);
      else if (kind === 'chat') await client.connection.sendRequest(ChatRequest, { ...inProblem, message: 'A hint?' });
      else if (kind === 'cancelledProve') {
        const cancel = new CancellationTokenSource();
        const running = client.connection.sendRequest(ProveRequest, inProblem, cancel.token);
        setTimeout(() => cancel.cancel(), 1);
        await running.catch(() => undefined);
      } else await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } });
    };
    const heap = async (): Promise<number> => {
      const { memory } = await client.connection.sendRequest(SetupInfoRequest);
      if (!memory.afterGc) throw new Error('the server did not collect garbage before measuring');
      return memory.heapUsedBytes;
    };
    for (let i = 0; i < warmUp; i++) await send(kinds[i % kinds.length]!);
    const warm = await heap();
    for (let i = 0; i < measured; i++) await send(kinds[i % kinds.length]!);
    return ((await heap()) - warm) / measured;
  } finally {
    await client.stop();
    rmSync(storage, { recursive: true, force: true });
  }
}
