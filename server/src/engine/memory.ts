/**
 * What a model's context costs in memory, and the context the machine can hold. Settings may ask for
 * anything up to 262,144 tokens x 16 sequences (600 GB of KV cache for QED-Nano), from a workspace the user
 * did not write; the engine lowers what cannot fit instead of letting llama.cpp exhaust the machine.
 */
import type { GgufSummary } from './ggufHeader';

/** No context smaller than this is useful for a proof. */
export const MIN_CONTEXT_SIZE = 512;

/** The share of the machine's memory the model's weights and context may take together. */
const MEMORY_SHARE = 0.75;

/** Context sizes are lowered in steps of this many tokens. */
const CONTEXT_STEP = 256;

/**
 * KV-cache bytes per token of context: keys and values at f16 for every layer's KV heads (QED-Nano: 36
 * layers x 8 heads x (128 + 128) x 2 bytes = 144 KiB).
 */
export function kvCacheBytesPerToken(header: GgufSummary): number {
  const value = (key: string): number => Number(header.metadata.get(`${header.architecture}.${key}`) ?? 0);
  const heads = value('attention.head_count');
  const kvHeads = value('attention.head_count_kv') || heads;
  const headSize = value('embedding_length') / heads;
  const keyLength = value('attention.key_length') || headSize;
  const valueLength = value('attention.value_length') || headSize;
  return value('block_count') * kvHeads * (keyLength + valueLength) * 2;
}

export interface ContextShape {
  contextSize: number;
  sequences: number;
}

/**
 * The requested context, lowered (first the parallel sequences, then the tokens per sequence) until the
 * weights and the KV cache fit in MEMORY_SHARE of `totalMemoryBytes`; each change is said in `adjustments`.
 * A result below MIN_CONTEXT_SIZE means the model does not fit at all.
 */
export function fitToMemory(requested: ContextShape, bytesPerToken: number, modelBytes: number, totalMemoryBytes: number): ContextShape & { adjustments: string[] } {
  const affordableTokens = Math.max(0, Math.floor((totalMemoryBytes * MEMORY_SHARE - modelBytes) / bytesPerToken));
  if (requested.contextSize * requested.sequences <= affordableTokens) return { ...requested, adjustments: [] };
  const sequences = Math.max(1, Math.min(requested.sequences, Math.floor(affordableTokens / requested.contextSize)));
  const contextSize = Math.min(requested.contextSize, Math.floor(affordableTokens / sequences / CONTEXT_STEP) * CONTEXT_STEP);
  const memory = `${(totalMemoryBytes / 2 ** 30).toFixed(0)} GB of memory`;
  const adjustments: string[] = [];
  if (sequences < requested.sequences) {
    adjustments.push(`Runs ${sequences} generation(s) side by side instead of ${requested.sequences} (qedNano.parallelSequences): this machine has ${memory}.`);
  }
  if (contextSize < requested.contextSize) {
    adjustments.push(`Uses a context of ${contextSize.toLocaleString('en')} tokens instead of ${requested.contextSize.toLocaleString('en')} (qedNano.contextSize): this machine has ${memory}.`);
  }
  return { contextSize, sequences, adjustments };
}
