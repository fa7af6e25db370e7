/**
 * Engine benchmark on generated models (no real weights exist here), 1 CPU thread:
 *  - throughput of LlamaEngine.generate against raw node-llama-cpp `sequence.evaluate` on the same model,
 *    settings and prompt, side by side (target: at least 0.95);
 *  - share of a 1,500-token prefix evaluated again by a second request (target: at most 5%);
 *  - aggregate tokens/s of 4 parallel candidates against 1, for the engine and for raw node-llama-cpp in
 *    the same rounds (target: at least raw's ratio; and at least 2x on the wide model), on the tiny model
 *    and on a "wide" model with QED-Nano's layer sizes, which is bound by memory bandwidth as QED-Nano is;
 *  - resident memory of the real language server with the model loaded (target: under 250 MB).
 */
import { readFileSync } from 'node:fs';
import { LlamaEngine, type LlamaEngineOptions } from '../server/src/engine/llamaEngine';
import { proofRequest } from '../server/src/prompts/proofPrompt';
import type { GenerationRequest } from '../server/src/engine/types';
import { TestLanguageClient } from '../test/support/lspClient';
import { scratchFile, tinyModelPath } from '../test/support/models';
import { wideModelBytes } from '../test/support/wideModel';

import { median, roundsNote, sideBySide } from './sideBySide';
import { streamedProve } from './streamedProve';

const TOKENS = 1500;
const ROUNDS = 9;
/** Rounds of a parallel-against-single comparison (each round runs the engine's and raw's, 4 and 1). */
const PARALLEL_ROUNDS = 7;
/** Tokens per candidate on the wide model (about 10 tokens/s for one candidate on 2 cores). */
const WIDE_TOKENS = 128;
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

/** Aggregate tokens/s of `count` sequences side by side with node-llama-cpp alone (no engine around it),
 * on a context like the engine's (4 sequences), each from the same prompt as the engine's candidates. */
async function rawParallel(modelPath: string, threads: number, prompt: readonly number[]): Promise<{ rate(count: number, tokens: number): Promise<number>; dispose(): Promise<void> }> {
  const { getLlama } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: threads });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize: 1024, sequences: 4, threads, batchSize: 512 });
  const sequences = [0, 1, 2, 3].map(() => context.getSequence());
  return {
    async rate(count, tokens) {
      const started = performance.now();
      await Promise.all(
        sequences.slice(0, count).map(async (sequence, i) => {
          let generated = 0;
          for await (const token of sequence.evaluate(prompt as never, { ...SAMPLING, seed: i + 1 })) {
            model.detokenize([token], true);
            if (++generated >= tokens) break;
          }
          await sequence.clearHistory();
        }),
      );
      return (count * tokens) / ((performance.now() - started) / 1000);
    },
    async dispose() {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}

/**
 * 4 candidates against 1, for the engine and for raw node-llama-cpp, in the same rounds: each round
 * measures all four (in an order that alternates), so both ratios see the same machine; the figure is the
 * median of the per-round engine/raw ratios of ratios.
 */
async function parallelAgainstRaw(
  rounds: number,
  engine: (count: number) => Promise<number>,
  raw: (count: number) => Promise<number>,
): Promise<{ engine: number; raw: number; relative: number }> {
  const engineRatios: number[] = [];
  const rawRatios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ['e4', 'e1', 'r4', 'r1'] : ['r1', 'r4', 'e1', 'e4'];
    const figures: Record<string, number> = {};
    for (const side of order) figures[side] = side[0] === 'e' ? await engine(Number(side[1])) : await raw(Number(side[1]));
    engineRatios.push(figures.e4! / figures.e1!);
    rawRatios.push(figures.r4! / figures.r1!);
  }
  return { engine: median(engineRatios), raw: median(rawRatios), relative: median(engineRatios.map((e, i) => e / rawRatios[i]!)) };
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
  const candidatePrompt = engine.promptTokens(request);
  const tinyRaw = await rawParallel(options.modelPath, 1, candidatePrompt);
  const tiny = await parallelAgainstRaw(PARALLEL_ROUNDS, (count) => aggregate(engine, count, 600), (count) => tinyRaw.rate(count, 600));
  await tinyRaw.dispose();
  console.log(
    `  parallel, tiny model: 4 candidates against 1, engine ${tiny.engine.toFixed(2)}x vs raw node-llama-cpp ${tiny.raw.toFixed(2)}x on the same model, thread and prompt = ${tiny.relative.toFixed(2)} ` +
      `(${PARALLEL_ROUNDS} rounds measuring both; target >= 1: ${tiny.relative >= 0.97 ? 'met' : 'MISSED'} within 3%; overhead-bound: it fits in cache)`,
  );
  await engine.dispose();

  const widePath = scratchFile('wide-q8.gguf', wideModelBytes());
  // Both cores, as the extension's default (qedNano.threads 0) uses on this machine.
  const wide = await LlamaEngine.load({ ...options, modelPath: widePath, contextSize: 1024, threads: 2 });
  const wideRaw = await rawParallel(widePath, 2, wide.promptTokens(request));
  const wideParallel = await parallelAgainstRaw(PARALLEL_ROUNDS, (count) => aggregate(wide, count, WIDE_TOKENS), (count) => wideRaw.rate(count, WIDE_TOKENS));
  await wide.dispose();
  await wideRaw.dispose();
  console.log(
    `  parallel, wide model (QED-Nano layer sizes, Q8_0, ${(readFileSync(widePath).length / 1e6).toFixed(0)} MB, 2 threads): 4 candidates against 1, engine ${wideParallel.engine.toFixed(2)}x vs raw ${wideParallel.raw.toFixed(2)}x = ${wideParallel.relative.toFixed(2)} ` +
      `(${PARALLEL_ROUNDS} rounds measuring both; target >= 1: ${wideParallel.relative >= 0.97 ? 'met' : 'MISSED'} within 3%; target >= 2x: ${wideParallel.engine >= 2 ? 'met' : 'MISSED'})`,
  );

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
