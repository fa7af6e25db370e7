/**
 * Heap kept per request by the language server (after GC, after a warm-up), per kind of request and mixed,
 * beside raw node-llama-cpp's own figure for one evaluation (what no code of ours can go under).
 */
import { tinyModelPath } from '../test/support/models';
import { heapPerRequest, REQUEST_KINDS } from '../test/support/heapPerRequest';

export async function benchMemory(): Promise<void> {
  // What remains includes V8's compiled code still settling: the longer the warm-up, the lower the figure.
  console.log('\n## Heap kept per request (language server, after GC; 300 warm-up, then 1,000; target: flat, under 600 bytes)');
  for (const kind of REQUEST_KINDS) console.log(`${kind.padEnd(16)} ${(await heapPerRequest([kind], 300, 1000)).toFixed(0).padStart(6)} bytes`);
  console.log(`${'mixed'.padEnd(16)} ${(await heapPerRequest(REQUEST_KINDS, 300, 1000)).toFixed(0).padStart(6)} bytes`);
  console.log(`${'raw evaluate'.padEnd(16)} ${(await rawEvaluatePerRequest(300, 1000)).toFixed(0).padStart(6)} bytes  (node-llama-cpp alone, in this process)`);
}

/** Heap kept per 10-token evaluation by node-llama-cpp itself. */
async function rawEvaluatePerRequest(warmUp: number, measured: number): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return Number.NaN;
  const { getLlama } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1 });
  const model = await llama.loadModel({ modelPath: tinyModelPath('natural') });
  const context = await model.createContext({ contextSize: 2048, sequences: 1, threads: 1, batchSize: 512 });
  const sequence = context.getSequence();
  const tokens = model.tokenize('<|im_start|>user\nShow that n^2 >= n.<|im_end|>\n<|im_start|>assistant\n<think>\n', true);
  const one = async (): Promise<void> => {
    await sequence.clearHistory();
    let generated = 0;
    for await (const _token of sequence.evaluate(tokens, { temperature: 0 })) if (++generated >= 10) break;
  };
  try {
    for (let i = 0; i < warmUp; i++) await one();
    gc();
    const warm = process.memoryUsage().heapUsed;
    for (let i = 0; i < measured; i++) await one();
    gc();
    return (process.memoryUsage().heapUsed - warm) / measured;
  } finally {
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  }
}
