/**
 * Engine benchmark on generated models (no real weights exist here), 1 CPU thread:
 *  - throughput of LlamaEngine.generate against raw node-llama-cpp `sequence.evaluate` on the same model,
 *    settings and prompt, side by side (target: at least 0.95);
 *  - share of a 1,500-token prefix evaluated again by a second request (target: at most 5%);
 *  - aggregate tokens/s of 4 parallel candidates against 1 (target: at least 2x), on the tiny model and
 *    on a "wide" model with QED-Nano's layer sizes, which is bound by memory bandwidth as QED-Nano is;
 *  - resident memory of the real language server with the model loaded (target: under 250 MB).
 */
import { readFileSync } from 'node:fs';
import { LlamaEngine, type LlamaEngineOptions } from '../server/src/engine/llamaEngine';
import { proofRequest } from '../server/src/prompts/proofPrompt';
import type { GenerationRequest } from '../server/src/engine/types';
import { TestLanguageClient } from '../test/support/lspClient';
import { scratchFile, tinyModelPath } from '../test/support/models';
import { wideModelBytes } from '../test/support/wideModel';

import { roundsNote, sideBySide } from './sideBySide';
import { streamedProve } from './streamedProve';

const TOKENS = 1500;
const ROUNDS = 9;
/** Rounds of a parallel-against-single comparison (each round runs both). */
const PARALLEL_ROUNDS = 5;
const SAMPLING = { temperature: 0.8, topP: 0.95, topK: 20, seed: 11 };

/**
 * The baseline: node-llama-cpp's own evaluation loop with nothing of ours around it, on a context like
 * the engine's (one sequence, same size and threads). `rate()` measures one generation.
 */
async function rawGenerator(modelPath: string, contextSize: number): Promise<{ rate(prompt: number[], sampling: object, seed: number): Promise<number>; dispose(): Promise<void> }> {
  const { getLlama } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1 });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize, threads: 1, batchSize: 512 });
  const sequence = context.getSequence();
  return {
    async rate(prompt, sampling, seed) {
      await sequence.clearHistory();
      let generated = 0;
      let first = 0;
      for await (const token of sequence.evaluate(prompt as never, { ...sampling, seed })) {
        if (generated === 0) first = performance.now();
        model.detokenize([token], true);
        if (++generated >= TOKENS) break;
      }
      return (generated - 1) / ((performance.now() - first) / 1000);
    },
    async dispose() {
      await context.dispose();
      await model.dispose();
    },
  };
}

/** Aggregate tokens/s of 4 sequences against 1 with node-llama-cpp alone (no engine around it). */
async function rawParallelRatio(modelPath: string, threads: number, tokens: number): Promise<number> {
  const { getLlama } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: threads });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize: 1024, sequences: 4, threads, batchSize: 512 });
  const sequences = [0, 1, 2, 3].map(() => context.getSequence());
  const prompt = model.tokenize('Prove that there are infinitely many primes.');
  const rate = async (count: number): Promise<number> => {
    const started = performance.now();
    await Promise.all(
      sequences.slice(0, count).map(async (sequence, i) => {
        let generated = 0;
        for await (const token of sequence.evaluate(prompt, { ...SAMPLING, seed: i + 1 })) {
          model.detokenize([token], true);
          if (++generated >= tokens) break;
        }
        await sequence.clearHistory();
      }),
    );
    return (count * tokens) / ((performance.now() - started) / 1000);
  };
  const { ratio } = await sideBySide(PARALLEL_ROUNDS, () => rate(4), () => rate(1));
  await context.dispose();
  await model.dispose();
  return ratio;
}

export async function benchEngine(): Promise<void> {
  const options: LlamaEngineOptions = { modelPath: tinyModelPath('endless'), gpu: false, threads: 1, contextSize: 4096, batchSize: 512, sequences: 4 };
  const engine = await LlamaEngine.load(options);
  const request: GenerationRequest = { messages: [proofRequest('Prove that there are infinitely many primes.')], maxTokens: TOKENS, sampling: SAMPLING, detectLoops: false };
  const prompt = engine.promptTokens(request);

  // Side by side: rounds alternate between the engine and the raw loop, both with one 4096-token sequence.
  const single = await LlamaEngine.load({ ...options, sequences: 1 });
  const raw = await rawGenerator(options.modelPath, options.contextSize);
  // The same seed on both sides and in every round: the same text is generated, so a round's two figures
  // differ only by what runs around node-llama-cpp.
  const throughput = await sideBySide(
    ROUNDS,
    async () => (await single.generate(request, () => {})).stats.tokensPerSecond,
    () => raw.rate(prompt, SAMPLING, SAMPLING.seed),
  );
  await single.dispose();
  console.log(`Engine (tiny model, 1 thread, ${TOKENS} tokens; every ratio: ${roundsNote(throughput)})`);
  console.log(`  throughput: engine ${throughput.a.toFixed(0)} tok/s vs raw node-llama-cpp ${throughput.b.toFixed(0)} tok/s = ${throughput.ratio.toFixed(3)} (target >= 0.95)`);

  const problem = Array.from({ length: 64 }, (_, i) => `Let $a_{${i}}$ be the ${i}-th term.`).join(' ');
  const first = await engine.generate({ ...request, messages: [proofRequest(`${problem} Prove A.`)], maxTokens: 1 }, () => {});
  const second = await engine.generate({ ...request, messages: [proofRequest(`${problem} Prove B.`)], maxTokens: 1 }, () => {});
  const shared = first.stats.promptTokens - 5;
  console.log(
    `  prefix reuse: second request evaluated ${second.stats.evaluatedPromptTokens} of ${second.stats.promptTokens} prompt tokens (${((100 * second.stats.evaluatedPromptTokens) / shared).toFixed(1)}% of the ~${shared}-token shared prefix; target <= 5%)`,
  );

  const aggregate = async (on: LlamaEngine, candidates: number, tokens: number): Promise<number> => {
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: candidates }, (_, i) => on.generate({ ...request, maxTokens: tokens, sampling: { ...SAMPLING, seed: i + 1 } }, () => {})),
    );
    const generated = results.reduce((sum, r) => sum + r.stats.thinkingTokens + r.stats.answerTokens, 0);
    return generated / ((performance.now() - started) / 1000);
  };
  const tiny = await sideBySide(PARALLEL_ROUNDS, () => aggregate(engine, 4, 600), () => aggregate(engine, 1, 600));
  console.log(
    `  parallel, tiny model: 4 candidates ${tiny.a.toFixed(0)} tok/s aggregate vs 1 candidate ${tiny.b.toFixed(0)} tok/s = ${tiny.ratio.toFixed(2)}x (${tiny.rounds} rounds; overhead-bound: it fits in cache)`,
  );
  const rawTiny = await rawParallelRatio(options.modelPath, 1, 600);
  console.log(`    raw node-llama-cpp on the same model and thread: ${rawTiny.toFixed(2)}x`);
  await engine.dispose();

  const widePath = scratchFile('wide-q8.gguf', wideModelBytes());
  // Both cores, as the extension's default (qedNano.threads 0) uses on this machine.
  const wide = await LlamaEngine.load({ ...options, modelPath: widePath, contextSize: 1024, threads: 2 });
  const wideParallel = await sideBySide(PARALLEL_ROUNDS, () => aggregate(wide, 4, 256), () => aggregate(wide, 1, 256));
  console.log(
    `  parallel, wide model (QED-Nano layer sizes, Q8_0, ${(readFileSync(widePath).length / 1e6).toFixed(0)} MB, 2 threads): 4 candidates ${wideParallel.a.toFixed(1)} tok/s aggregate vs 1 candidate ${wideParallel.b.toFixed(1)} tok/s = ${wideParallel.ratio.toFixed(2)}x (${wideParallel.rounds} rounds; target >= 2x)`,
  );
  await wide.dispose();
  const rawWide = await rawParallelRatio(widePath, 2, 256);
  console.log(`    raw node-llama-cpp on the same model and threads: ${rawWide.toFixed(2)}x (the ceiling here: 2 cores are compute-bound)`);

  // The whole server path: a qed/prove request, thinking and proof streamed back over stdio as $/progress.
  const { client } = await TestLanguageClient.start({
    qedNano: { model: tinyModelPath('endless'), threads: 1, contextSize: 4096, gpu: 'off', generation: { maxTokens: TOKENS, thinkingBudget: TOKENS, temperature: 0.6, topP: 0.95 } },
  });
  const statement = 'Prove that there are infinitely many primes.';
  await client.open('file:///bench/primes.md', 'markdown', `## Problem 1\n${statement}\n`);
  const lspEngine = await LlamaEngine.load({ ...options, sequences: 1 });
  const lspPrompt = lspEngine.promptTokens({ messages: [proofRequest(statement)] });
  const lspSampling = { temperature: 0.6, topP: 0.95, topK: 20 };
  const prove = streamedProve(client, { textDocument: { uri: 'file:///bench/primes.md' }, position: { line: 1, character: 0 } });
  // Time to first token against the engine's own on the same prompt (after the first round, the prompt's
  // prefix is cached on both sides).
  const firstToken = await sideBySide(
    ROUNDS,
    async () => (await prove()).firstTokenMs,
    async () => (await lspEngine.generate({ messages: [proofRequest(statement)], maxTokens: 1 }, () => {})).stats.timeToFirstTokenMs,
  );
  await lspEngine.dispose();
  let rawSeed = 0;
  const serverPath = await sideBySide(ROUNDS, async () => (await prove()).tokensPerSecond, () => raw.rate(lspPrompt, lspSampling, ++rawSeed));
  await raw.dispose();
  console.log(
    `  time to first token: qed/prove request to the first streamed thinking ${firstToken.a.toFixed(1)} ms vs the engine's own ${firstToken.b.toFixed(1)} ms = +${firstToken.difference.toFixed(1)} ms (median of per-round differences; target: within 50 ms)`,
  );
  console.log(
    `  server path: qed/prove streamed to the client ${serverPath.a.toFixed(0)} tok/s vs raw node-llama-cpp ${serverPath.b.toFixed(0)} tok/s, same prompt and sampling = ${serverPath.ratio.toFixed(3)} (target >= 0.95)`,
  );
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${client.process.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  console.log(`  memory: language server with the tiny model loaded ${rss.toFixed(0)} MB RSS (target < 250 MB)`);
  await client.stop();
}
