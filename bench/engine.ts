/**
 * Engine benchmark, with the tiny generated model (the only one that exists here) on 1 CPU thread:
 *  - throughput of LlamaEngine.generate against raw node-llama-cpp `sequence.evaluate` on the same model,
 *    settings and prompt, side by side (target: at least 0.95);
 *  - share of a 1,500-token prefix evaluated again by a second request (target: at most 5%);
 *  - aggregate tokens/s of 4 parallel candidates against 1 (target: at least 2x);
 *  - resident memory of the real language server with the model loaded (target: under 250 MB).
 */
import { readFileSync } from 'node:fs';
import { LlamaEngine, type LlamaEngineOptions } from '../server/src/engine/llamaEngine';
import { proofRequest } from '../server/src/engine/prompt';
import type { GenerationRequest } from '../server/src/engine/types';
import { LoadModelRequest } from '../server/src/protocol';
import { TestLanguageClient } from '../test/support/lspClient';
import { tinyModelPath } from '../test/support/models';

const TOKENS = 1500;
const ROUNDS = 5;
const SAMPLING = { temperature: 0.8, topP: 0.95, topK: 20, seed: 11 };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function rawTokensPerSecond(engine: LlamaEngine, prompt: number[]): Promise<number> {
  // The baseline: node-llama-cpp's own evaluation loop, with nothing of ours around it.
  const { getLlama } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1 });
  const model = await llama.loadModel({ modelPath: engine.info.modelPath });
  const context = await model.createContext({ contextSize: 4096, threads: 1, batchSize: 512 });
  const sequence = context.getSequence();
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await sequence.clearHistory();
    let generated = 0;
    let first = 0;
    for await (const token of sequence.evaluate(prompt as never, SAMPLING)) {
      if (generated === 0) first = performance.now();
      model.detokenize([token], true);
      if (++generated >= TOKENS) break;
    }
    rates.push((generated - 1) / ((performance.now() - first) / 1000));
  }
  await context.dispose();
  await model.dispose();
  return median(rates);
}

export async function benchEngine(): Promise<void> {
  const options: LlamaEngineOptions = { modelPath: tinyModelPath('endless'), gpu: false, threads: 1, contextSize: 4096, batchSize: 512, sequences: 4 };
  const engine = await LlamaEngine.load(options);
  const request: GenerationRequest = { messages: [proofRequest('Prove that there are infinitely many primes.')], maxTokens: TOKENS, sampling: SAMPLING, detectLoops: false };
  const prompt = engine.promptTokens(request);

  const ours: number[] = [];
  for (let round = 0; round < ROUNDS; round++) ours.push((await engine.generate(request, () => {})).stats.tokensPerSecond);
  const raw = await rawTokensPerSecond(engine, prompt);
  const engineRate = median(ours);
  console.log(`Engine (tiny model, 1 thread, ${TOKENS} tokens, median of ${ROUNDS})`);
  console.log(`  throughput: engine ${engineRate.toFixed(0)} tok/s vs raw node-llama-cpp ${raw.toFixed(0)} tok/s = ${(engineRate / raw).toFixed(3)} (target >= 0.95)`);

  const problem = Array.from({ length: 64 }, (_, i) => `Let $a_{${i}}$ be the ${i}-th term.`).join(' ');
  const first = await engine.generate({ ...request, messages: [proofRequest(`${problem} Prove A.`)], maxTokens: 1 }, () => {});
  const second = await engine.generate({ ...request, messages: [proofRequest(`${problem} Prove B.`)], maxTokens: 1 }, () => {});
  const shared = first.stats.promptTokens - 5;
  console.log(
    `  prefix reuse: second request evaluated ${second.stats.evaluatedPromptTokens} of ${second.stats.promptTokens} prompt tokens (${((100 * second.stats.evaluatedPromptTokens) / shared).toFixed(1)}% of the ~${shared}-token shared prefix; target <= 5%)`,
  );

  const aggregate = async (candidates: number): Promise<number> => {
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: candidates }, (_, i) => engine.generate({ ...request, maxTokens: 600, sampling: { ...SAMPLING, seed: i + 1 } }, () => {})),
    );
    const tokens = results.reduce((sum, r) => sum + r.stats.thinkingTokens + r.stats.answerTokens, 0);
    return tokens / ((performance.now() - started) / 1000);
  };
  const one = median([await aggregate(1), await aggregate(1), await aggregate(1)]);
  const four = median([await aggregate(4), await aggregate(4), await aggregate(4)]);
  console.log(`  parallel: 4 candidates ${four.toFixed(0)} tok/s aggregate vs 1 candidate ${one.toFixed(0)} tok/s = ${(four / one).toFixed(2)}x (target >= 2x)`);
  await engine.dispose();

  const { client } = await TestLanguageClient.start({ qedNano: { model: tinyModelPath('endless'), threads: 1, contextSize: 4096, gpu: 'off' } });
  await client.connection.sendRequest(LoadModelRequest);
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${client.process.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  console.log(`  memory: language server with the tiny model loaded ${rss.toFixed(0)} MB RSS (target < 250 MB)`);
  await client.stop();
}
