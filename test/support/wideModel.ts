/**
 * A benchmark model with the real Qwen3-4B layer sizes (2560 wide, 32 query and 8 KV heads of 128,
 * 9728-wide feed-forward) but only 2 blocks and the tiny vocabulary, in Q8_0: about 215 MB. Unlike the
 * tiny model, which fits in cache and is bound by per-token overhead, this one is bound by memory bandwidth
 * as QED-Nano is, so batching several sequences shows its real effect. Random weights; never stops by itself
 * (as the tiny `endless` variant). Benchmarks only.
 */
import { GgufType, GGML_TYPE_Q8_0, writeGguf, type MetadataValue, type Tensor } from './gguf/writer';
import { seededRandom } from './random';
import { tinyModelParts, tinyVocabulary } from './tinyModel';

const N_EMBD = 2560;
const N_HEAD = 32;
const N_HEAD_KV = 8;
const HEAD_DIM = 128;
const N_FF = 9728;
const N_BLOCKS = 2;

/** Float to IEEE half bits (normal range only, enough for a scale). */
function halfBits(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = (bits >>> 13) & 0x3ff;
  return sign | (exponent << 10) | mantissa;
}

/** A Q8_0 matrix of random int8 values with one scale: 34-byte blocks of 32 values. */
function q8Matrix(name: string, dims: [number, number], seed: number): Tensor {
  const blocks = (dims[0] * dims[1]) / 32;
  const bytes = Buffer.alloc(blocks * 34);
  let state = seed >>> 0 || 1;
  const scale = halfBits(0.0008);
  for (let b = 0; b < blocks; b++) {
    const at = b * 34;
    bytes.writeUInt16LE(scale, at);
    for (let i = 0; i < 32; i += 4) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      bytes.writeUInt32LE(state >>> 0, at + 2 + i);
    }
  }
  return { name, dims, ggmlType: GGML_TYPE_Q8_0, bytes };
}

export function wideModelBytes(): Buffer {
  const vocabulary = tinyVocabulary();
  const nVocab = vocabulary.tokens.length;
  const random = seededRandom(4);
  const embeddings = new Float32Array(N_EMBD * nVocab).map(() => (random() - 0.5));
  const output = new Float32Array(N_EMBD * nVocab).map(() => (random() - 0.5));
  vocabulary.types.forEach((type, id) => {
    const row = id * N_EMBD;
    if (type === 1) {
      embeddings[row] = embeddings[row]! + 8;
      output[row] = 0;
    } else {
      output.fill(0, row, row + N_EMBD);
      output[row] = -10;
    }
  });
  const ones = (name: string, size: number): Tensor => ({ name, dims: [size], data: new Float32Array(size).fill(1) });
  const tensors: Tensor[] = [
    { name: 'token_embd.weight', dims: [N_EMBD, nVocab], data: embeddings },
    ones('output_norm.weight', N_EMBD),
    { name: 'output.weight', dims: [N_EMBD, nVocab], data: output },
  ];
  let seed = 17;
  for (let block = 0; block < N_BLOCKS; block++) {
    const p = `blk.${block}.`;
    tensors.push(
      ones(`${p}attn_norm.weight`, N_EMBD),
      q8Matrix(`${p}attn_q.weight`, [N_EMBD, N_HEAD * HEAD_DIM], seed++),
      q8Matrix(`${p}attn_k.weight`, [N_EMBD, N_HEAD_KV * HEAD_DIM], seed++),
      q8Matrix(`${p}attn_v.weight`, [N_EMBD, N_HEAD_KV * HEAD_DIM], seed++),
      q8Matrix(`${p}attn_output.weight`, [N_HEAD * HEAD_DIM, N_EMBD], seed++),
      ones(`${p}attn_q_norm.weight`, HEAD_DIM),
      ones(`${p}attn_k_norm.weight`, HEAD_DIM),
      ones(`${p}ffn_norm.weight`, N_EMBD),
      q8Matrix(`${p}ffn_gate.weight`, [N_EMBD, N_FF], seed++),
      q8Matrix(`${p}ffn_up.weight`, [N_EMBD, N_FF], seed++),
      q8Matrix(`${p}ffn_down.weight`, [N_FF, N_EMBD], seed++),
    );
  }
  // The tiny model's tokenizer and template, with this model's sizes.
  const sizes: Record<string, number> = {
    'qwen3.block_count': N_BLOCKS,
    'qwen3.embedding_length': N_EMBD,
    'qwen3.feed_forward_length': N_FF,
    'qwen3.attention.head_count': N_HEAD,
    'qwen3.attention.head_count_kv': N_HEAD_KV,
    'qwen3.attention.key_length': HEAD_DIM,
    'qwen3.attention.value_length': HEAD_DIM,
    'general.file_type': 7, // mostly Q8_0
  };
  const metadata: [string, MetadataValue][] = tinyModelParts().metadata.map(([key, value]) =>
    key in sizes ? [key, { type: GgufType.U32, value: sizes[key]! }] : key === 'general.name' ? [key, { type: GgufType.String, value: 'QED-Nano wide benchmark model' }] : [key, value],
  );
  return writeGguf(metadata, tensors);
}
