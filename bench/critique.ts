/**
 * Critique benchmark (issue: inline critique), tiny model, 1 CPU thread:
 *  - cache reuse: a 40-step proof is critiqued (full depth: review, then the JSON read-out), one step
 *    near its end is edited, and it is critiqued again; the share of the second critique's prompt tokens
 *    that had to be evaluated again (target: at most 25%). Median over rounds.
 *  - responsiveness: time from a document edit to its structural diagnostics, through the real language
 *    server over stdio, alternating edits made while a critique generates with edits made while the server
 *    is idle (target: within 50 ms while critiquing).
 */
import { CritiqueRequest, LoadModelRequest } from '../server/src/protocol';
import { LlamaEngine } from '../server/src/engine/llamaEngine';
import { critiqueProof } from '../server/src/tasks/critique';
import { TestLanguageClient } from '../test/support/lspClient';
import { tinyModelPath } from '../test/support/models';
import { median, sideBySide } from './sideBySide';

const ROUNDS = 5;
const STEPS = 40;

function proofSteps(edit: number | undefined): string[] {
  return Array.from({ length: STEPS }, (_, i) =>
    i === edit
      ? `Step ${i + 1}, edited: by the case before, $a_${i + 1} \\le a_${i}^2 + 1$ still holds.`
      : `Step ${i + 1}: by the induction hypothesis, $a_${i + 1} \\le a_${i} + ${i + 1}$, so the bound holds for $n = ${i + 1}$.`,
  );
}

async function cacheReuse(): Promise<void> {
  const engine = await LlamaEngine.load({ modelPath: tinyModelPath('natural'), gpu: false, threads: 1, contextSize: 8192, batchSize: 512, sequences: 1 });
  const settings = { depth: 'full' as const, thinkingBudget: 64, maxTokens: 96 };
  const problem = 'Let $a_0 = 0$ and $a_{n+1} \\le a_n + n + 1$. Show that $a_n \\le n(n+1)/2$ for all $n$.';
  const shares: number[] = [];
  let prompt = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const signal = new AbortController().signal;
    await critiqueProof({ problem, steps: proofSteps(undefined) }, engine.generate.bind(engine), settings, signal).catch(() => undefined);
    const again = await critiqueProof({ problem, steps: proofSteps(STEPS - 3) }, engine.generate.bind(engine), settings, signal).catch(() => undefined);
    if (!again || typeof again === 'string') continue; // an unreadable random read-out
    shares.push(again.evaluatedPromptTokens / again.promptTokens);
    prompt = again.promptTokens;
  }
  await engine.dispose();
  const share = median(shares);
  console.log(
    `  cache reuse: after editing step ${STEPS - 2} of ${STEPS}, the re-critique evaluated ${(share * 100).toFixed(1)}% of its ${prompt} prompt tokens again ` +
      `(median of ${shares.length}; target <= 25%: ${share <= 0.25 ? 'met' : 'MISSED'})`,
  );
}

async function responsiveness(): Promise<void> {
  const text = `\\begin{theorem}\nFor all $n$, $a_n \\le n^2$.\n\\end{theorem}\n\\begin{proof}\n${proofSteps(undefined).join('\n\n')}\n\\end{proof}\n`;
  const { client } = await TestLanguageClient.start({
    qedNano: { model: tinyModelPath('endless'), threads: 1, contextSize: 8192, gpu: 'off', generation: { maxTokens: 6000 }, critique: { trigger: 'manual', thinkingBudget: 6000 } },
  });
  const uri = 'file:///bench/critique.tex';
  await client.open(uri, 'latex', text);
  await client.connection.sendRequest(LoadModelRequest);
  let version = 1;
  const edit = async (): Promise<number> => {
    version++;
    const sent = performance.now();
    await client.change(uri, version, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: version % 2 === 0 ? '%' : '' }]);
    const wanted = version;
    await client.diagnostics(uri, (p) => p.version === wanted, 10_000);
    return performance.now() - sent;
  };
  const whileCritiquing = async (): Promise<number> => {
    const critique = client.connection.sendRequest(CritiqueRequest, { textDocument: { uri } }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200)); // generating now
    const elapsed = await edit();
    await critique; // an edit above the proof does not change it: the critique runs on to its end
    return elapsed;
  };
  const compared = await sideBySide(ROUNDS * 2, whileCritiquing, edit);
  await client.stop();
  console.log(
    `  structural diagnostics after an edit: ${compared.a.toFixed(1)} ms while a critique generates vs ${compared.b.toFixed(1)} ms idle, +${compared.difference.toFixed(1)} ms ` +
      `(${compared.rounds} alternating rounds, median of per-round differences; includes the 50 ms debounce; target within 50 ms of it: ${compared.a - 50 <= 50 ? 'met' : 'MISSED'})`,
  );
}

export async function benchCritique(): Promise<void> {
  console.log('Critique (tiny model, 1 thread)');
  await cacheReuse();
  await responsiveness();
}
