/**
 * Completion benchmark (issue: proof completions), tiny model, 1 CPU thread, scripted suggestion:
 *  - latency: a `textDocument/inlineCompletion` request through the real language server, answered with
 *    the proof's prefix already cached, against the completion task calling the engine directly in this
 *    process for the same prompt and the same suggested tokens; alternating the two over rounds, medians'
 *    ratio (target: within 1.2x);
 *  - acceptance: after the user accepts a suggestion, the next request evaluates only the accepted tokens
 *    again (the rest of its prompt comes from the cache).
 */
import { InlineCompletionRequest, type InlineCompletionList } from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeDocument } from '../server/src/documents/analyzer';
import { LlamaEngine } from '../server/src/engine/llamaEngine';
import { scriptedBias } from '../server/src/engine/scriptedOutput';
import type { GenerationResult } from '../server/src/engine/types';
import { LoadModelRequest } from '../server/src/protocol';
import { proofProblem } from '../server/src/prompts/proofPrompt';
import { clean } from '../server/src/documents/queries';
import { completeStep } from '../server/src/tasks/complete';
import type { Generate } from '../server/src/tasks/generate';
import { TestLanguageClient } from '../test/support/lspClient';
import { tinyModelPath } from '../test/support/models';
import { roundsNote, sideBySide } from './sideBySide';

const ROUNDS = 9;
const SUGGESTION = ' $a_{n+1} \\le a_n + n + 1 \\le n(n+1)/2 + n + 1$, which is the bound for $n + 1$. Then more.';
const STEPS = Array.from({ length: 30 }, (_, i) => `Step ${i + 1}: since $a_${i} \\le ${i}(${i}+1)/2$, the bound holds for $n = ${i + 1}$.`).join('\n\n');
const DOCUMENT = `\\begin{theorem}\nLet $a_0 = 0$ and $a_{n+1} \\le a_n + n + 1$. Then $a_n \\le n(n+1)/2$.\n\\end{theorem}\n\\begin{proof}\n${STEPS}\n\nFor the inductive step, by hypothesis\n\\end{proof}\n`;


export async function benchCompletion(): Promise<void> {
  console.log('Completion (tiny model, 1 thread, a scripted suggestion)');
  const document = TextDocument.create('file:///bench/complete.tex', 'latex', 1, DOCUMENT);
  const analysis = analyzeDocument('latex', DOCUMENT);
  const statement = analysis.statements[0]!;
  const cursorLine = DOCUMENT.split('\n').findIndex((l) => l === 'For the inductive step, by hypothesis');
  const cursor = { line: cursorLine, character: 'For the inductive step, by hypothesis'.length };
  const problem = proofProblem(analysis, clean(document.getText(statement.bodyRange)), statement.range.start, (range) => document.getText(range));
  const proofSoFar = document.getText({ start: statement.proof!.bodyRange.start, end: cursor });

  const { client } = await TestLanguageClient.start(
    { qedNano: { model: tinyModelPath('natural'), threads: 1, contextSize: 4096, gpu: 'off' } },
    {},
    { ...process.env, QED_NANO_TEST_SCRIPT: SUGGESTION },
  );
  await client.connection.sendRequest(LoadModelRequest);
  await client.open(document.uri, 'latex', DOCUMENT);
  const viaServer = async (): Promise<{ ms: number; text: string }> => {
    const started = performance.now();
    const list = (await client.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri: document.uri }, position: cursor, context: { triggerKind: 1 } })) as InlineCompletionList | null;
    return { ms: performance.now() - started, text: String(list?.items[0]?.insertText ?? '') };
  };

  const engine = await LlamaEngine.load({ modelPath: tinyModelPath('natural'), gpu: false, threads: 1, contextSize: 4096, batchSize: 512, sequences: 1 });
  let last: GenerationResult | undefined;
  const scripted: Generate = async (request, onChunk, signal) => {
    last = await engine.generate({ ...request, sampling: { temperature: 0 }, tokenBias: scriptedBias(engine.tokenize([{ special: true, text: SUGGESTION }])) }, onChunk, signal);
    return last;
  };
  const direct = async (): Promise<{ ms: number; text: string }> => {
    const started = performance.now();
    const text = (await completeStep({ problem, proofSoFar }, scripted, new AbortController().signal)) ?? '';
    return { ms: performance.now() - started, text };
  };

  await viaServer(); // the prefix goes into each side's cache
  await direct();
  const suggestions = { server: new Set<string>(), own: new Set<string>() };
  const latency = await sideBySide(
    ROUNDS,
    async () => {
      const { ms, text } = await viaServer();
      suggestions.server.add(text);
      return ms;
    },
    async () => {
      const { ms, text } = await direct();
      suggestions.own.add(text);
      return ms;
    },
  );
  const [suggested] = suggestions.server;
  const same = suggestions.server.size === 1 && suggestions.own.size === 1 && suggestions.own.has(suggested!) && suggested !== '';
  console.log(
    `  latency with the prefix cached: ${latency.a.toFixed(1)} ms through the language server vs ${latency.b.toFixed(1)} ms for the task on the engine in-process ` +
      `= ${latency.ratio.toFixed(2)}x (${roundsNote(latency)}; ${same ? 'same suggestion' : 'DIFFERENT suggestions'}; target within 1.2x: ${latency.ratio <= 1.2 ? 'met' : 'MISSED'})`,
  );

  // Acceptance: the suggestion goes into the text, and the next request continues from after it.
  const suggestion = (await direct()).text;
  const accepted = engine.promptTokens({ messages: [{ role: 'user', content: 'x' }], answerPrefix: suggestion }).length - engine.promptTokens({ messages: [{ role: 'user', content: 'x' }] }).length;
  await completeStep({ problem, proofSoFar: proofSoFar + suggestion }, scripted, new AbortController().signal);
  const evaluated = last!.stats.evaluatedPromptTokens;
  console.log(
    `  after accepting a ${accepted}-token suggestion, the next request evaluated ${evaluated} of its ${last!.stats.promptTokens} prompt tokens again ` +
      `(the accepted tokens are still in the cache from when they were generated; target at most the accepted tokens: ${evaluated <= accepted + 2 ? 'met' : 'MISSED'})`,
  );
  await engine.dispose();
  await client.stop();
}
