/**
 * Reads and checks a GGUF file's header (metadata only, never tensor data) before the native loader sees
 * the file. Some faults (a missing head count, duplicate token strings) abort the whole process inside
 * llama.cpp, which no JavaScript can catch; those are found here first and reported as a clear error.
 *
 * The check reads the file in chunks through a small buffered reader, so a multi-GB model costs only the
 * size of its metadata (a few MB for a 150k-token vocabulary).
 */
import { constants, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { UserFacingError } from '../errors';

export interface GgufSummary {
  version: number;
  tensorCount: bigint;
  architecture: string;
  name: string | undefined;
  /** Metadata values that the extension uses or shows (numbers and strings only). */
  metadata: Map<string, string | number | bigint | boolean>;
  vocabularySize: number;
  fileSize: number;
}

/** A file that is not a model QED-Nano can load, with a message that says why and what to do. */
export class InvalidModelFileError extends UserFacingError {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path} is not a usable model file: ${reason}`);
  }
}

/** Architectures of the QED-Nano family (Qwen3 fine-tunes) that the extension is built for. */
export const SUPPORTED_ARCHITECTURES: ReadonlySet<string> = new Set(['qwen3']);

const TYPE_SIZES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const STRING = 8;
const ARRAY = 9;
/** No metadata string in a real model comes near this; a larger length means a corrupt file. */
const MAX_STRING_BYTES = 64 * 1024 * 1024;

/**
 * Why `path` cannot be opened as a model file, found without opening it (opening a FIFO blocks until a
 * writer comes, which may be never); undefined when it is a regular file. `missing`: nothing is there.
 */
export function modelFileProblem(path: string): { reason: string; missing: boolean } | undefined {
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { reason: 'it does not exist', missing: true };
    if (code === 'ELOOP') return { reason: 'it is a symbolic link that leads back to itself (a symlink loop)', missing: false };
    if (code === 'EACCES' || code === 'EPERM') return { reason: 'it cannot be read (permission denied)', missing: false };
    return { reason: `it cannot be read (${code ?? String(error)})`, missing: false };
  }
  if (stat.isDirectory()) return { reason: 'it is a folder, not a file', missing: false };
  if (!stat.isFile()) {
    const kind = stat.isFIFO() ? 'a named pipe (FIFO)' : stat.isSocket() ? 'a socket' : 'a device';
    return { reason: `it is ${kind}, not a regular file`, missing: false };
  }
  return undefined;
}

/** Reads the header of `path` and checks what llama.cpp would otherwise crash on. */
export async function readGgufHeader(path: string): Promise<GgufSummary> {
  const problem = modelFileProblem(path);
  if (problem) throw new InvalidModelFileError(path, problem.reason);
  let handle: FileHandle;
  try {
    // Non-blocking, so that a file swapped for a FIFO after the check above cannot hang the open either.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new InvalidModelFileError(path, `it cannot be opened (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new InvalidModelFileError(path, 'it is not a regular file');
    const { size } = stat;
    const reader = new ChunkedReader(handle, size, path);
    const magic = (await reader.bytes(4)).toString('latin1');
    if (magic !== 'GGUF') throw new InvalidModelFileError(path, 'it does not start with the GGUF signature (is it a GGUF model, fully downloaded?)');
    const version = await reader.u32();
    if (version !== 2 && version !== 3) throw new InvalidModelFileError(path, `GGUF version ${version} is not supported (expected 3)`);
    const tensorCount = await reader.u64();
    const metadataCount = await reader.u64();
    if (metadataCount > 100_000n) throw new InvalidModelFileError(path, `its header claims ${metadataCount} metadata entries (the file is corrupt)`);

    const metadata = new Map<string, string | number | bigint | boolean>();
    let tokens: string[] | undefined;
    for (let i = 0n; i < metadataCount; i++) {
      const key = await reader.string();
      const type = await reader.u32();
      if (type === ARRAY) {
        const elementType = await reader.u32();
        const count = await reader.u64();
        if (key === 'tokenizer.ggml.tokens' && elementType === STRING) {
          tokens = [];
          for (let j = 0n; j < count; j++) tokens.push(await reader.string());
        } else {
          await reader.skipArray(elementType, count);
        }
        metadata.set(`${key}.length`, Number(count));
      } else {
        metadata.set(key, await reader.scalar(type));
      }
    }

    const architecture = metadata.get('general.architecture');
    if (typeof architecture !== 'string') throw new InvalidModelFileError(path, 'it has no general.architecture');
    if (!SUPPORTED_ARCHITECTURES.has(architecture)) {
      throw new InvalidModelFileError(path, `its architecture is "${architecture}"; QED-Nano models are "qwen3" (choose a QED-Nano GGUF)`);
    }
    const blockCount = checkShape(path, metadata, architecture);
    if (typeof metadata.get('tokenizer.ggml.model') !== 'string') throw new InvalidModelFileError(path, 'it has no tokenizer (tokenizer.ggml.model)');
    if (!tokens || tokens.length === 0) throw new InvalidModelFileError(path, 'it has no vocabulary (tokenizer.ggml.tokens)');
    const seen = new Set<string>();
    for (const token of tokens) {
      if (seen.has(token)) throw new InvalidModelFileError(path, `its vocabulary lists the token ${JSON.stringify(token)} twice`);
      seen.add(token);
    }
    if (tensorCount === 0n) throw new InvalidModelFileError(path, 'it holds no tensors');
    const alignment = Number(metadata.get('general.alignment') ?? 32) || 32;
    let dataEnd = 0;
    const blocksWithTensors = new Set<number>();
    for (let i = 0n; i < tensorCount; i++) {
      const tensorName = await reader.string();
      const dimensions = await reader.u32();
      if (dimensions > 8) throw new InvalidModelFileError(path, `a tensor claims ${dimensions} dimensions (the file is corrupt)`);
      let elements = 1n;
      for (let d = 0; d < dimensions; d++) elements *= await reader.u64();
      const type = await reader.u32();
      const offset = await reader.u64();
      const block = GGML_BLOCKS[type];
      if (!block) {
        throw new InvalidModelFileError(path, `its tensor ${JSON.stringify(tensorName.slice(0, 80))} has the unknown tensor type ${type} (a newer or corrupt file)`);
      }
      dataEnd = Math.max(dataEnd, Number(offset + (elements / BigInt(block[1])) * BigInt(block[0])));
      const layer = /^blk\.(\d{1,9})\./.exec(tensorName);
      if (layer) blocksWithTensors.add(Number(layer[1]));
    }
    // llama.cpp sizes its layer arrays from block_count before it looks for the layers' tensors.
    if (blocksWithTensors.size !== blockCount || [...blocksWithTensors].some((layer) => layer >= blockCount)) {
      throw new InvalidModelFileError(path, `${architecture}.block_count says ${blockCount} layers, but the file holds tensors for ${blocksWithTensors.size} (the file is corrupt)`);
    }
    const dataStart = Math.ceil(reader.offset / alignment) * alignment;
    if (dataStart + dataEnd > size) {
      throw new InvalidModelFileError(
        path,
        `its tensor data ends early: the file has ${size.toLocaleString('en')} bytes of the ${(dataStart + dataEnd).toLocaleString('en')} it needs (an incomplete download?)`,
      );
    }
    const name = metadata.get('general.name');
    return { version, tensorCount, architecture, name: typeof name === 'string' ? name : undefined, metadata, vocabularySize: tokens.length, fileSize: size };
  } finally {
    await handle.close();
  }
}

/** Limits no real model of the family comes near; a value outside them is a corrupt file that llama.cpp
 * would abort on (GGML_ASSERT) or size gigantic buffers from. */
const SHAPE_LIMITS = {
  block_count: [1, 1024],
  embedding_length: [1, 1 << 20],
  feed_forward_length: [1, 1 << 22],
  context_length: [1, 1 << 24],
  'attention.head_count': [1, 4096],
  'attention.head_count_kv': [1, 4096],
  'attention.key_length': [1, 1 << 16],
  'attention.value_length': [1, 1 << 16],
} as const;

const REQUIRED_SHAPE_KEYS: ReadonlySet<string> = new Set(['block_count', 'embedding_length', 'attention.head_count']);

/**
 * Checks the model's shape: the required sizes are present, every size is a whole number in range, and
 * they agree (the KV heads divide the query heads; without an explicit key length the embedding divides
 * into the heads). Returns the block count.
 */
function checkShape(path: string, metadata: GgufSummary['metadata'], architecture: string): number {
  const sizes = new Map<string, number>();
  for (const [key, [min, max]] of Object.entries(SHAPE_LIMITS)) {
    const full = `${architecture}.${key}`;
    const value = metadata.get(full);
    if (value === undefined) {
      if (REQUIRED_SHAPE_KEYS.has(key)) throw new InvalidModelFileError(path, `the required key ${full} is missing`);
      continue;
    }
    const number = typeof value === 'bigint' ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number)) throw new InvalidModelFileError(path, `${full} is ${String(value).slice(0, 40)}, not a whole number (the file is corrupt)`);
    if (number < min || number > max) throw new InvalidModelFileError(path, `${full} is ${number}, outside ${min}..${max} (the file is corrupt)`);
    sizes.set(key, number);
  }
  const heads = sizes.get('attention.head_count')!;
  const kvHeads = sizes.get('attention.head_count_kv');
  if (kvHeads !== undefined && (kvHeads > heads || heads % kvHeads !== 0)) {
    throw new InvalidModelFileError(path, `${architecture}.attention.head_count (${heads}) is not a multiple of head_count_kv (${kvHeads}) (the file is corrupt)`);
  }
  if (!sizes.has('attention.key_length') && sizes.get('embedding_length')! % heads !== 0) {
    throw new InvalidModelFileError(path, `${architecture}.embedding_length does not divide into ${heads} heads (the file is corrupt)`);
  }
  return sizes.get('block_count')!;
}

/** Bytes per block and elements per block of the ggml tensor types (from ggml's type traits). */
const GGML_BLOCKS: Record<number, [bytes: number, elements: number]> = {
  0: [4, 1], 1: [2, 1], 2: [18, 32], 3: [20, 32], 6: [22, 32], 7: [24, 32], 8: [34, 32], 9: [36, 32],
  10: [84, 256], 11: [110, 256], 12: [144, 256], 13: [176, 256], 14: [210, 256], 15: [292, 256],
  16: [66, 256], 17: [74, 256], 18: [98, 256], 19: [50, 256], 20: [18, 32], 21: [110, 256], 22: [82, 256],
  23: [136, 256], 24: [1, 1], 25: [2, 1], 26: [4, 1], 27: [8, 1], 28: [8, 1], 29: [56, 256], 30: [2, 1],
  34: [54, 256], 35: [66, 256], 39: [17, 32],
};

/** Sequential little-endian reads over a file, 1 MB at a time; running past the end is a truncated file. */
class ChunkedReader {
  private buffer = Buffer.alloc(0);
  private bufferStart = 0;
  private position = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
    private readonly path: string,
  ) {}

  /** The position of the next read. */
  get offset(): number {
    return this.position;
  }

  async bytes(length: number): Promise<Buffer> {
    await this.ensure(length);
    const start = this.position - this.bufferStart;
    this.position += length;
    return this.buffer.subarray(start, start + length);
  }

  async u32(): Promise<number> {
    return (await this.bytes(4)).readUInt32LE(0);
  }

  async u64(): Promise<bigint> {
    return (await this.bytes(8)).readBigUInt64LE(0);
  }

  async string(): Promise<string> {
    const length = await this.u64();
    if (length > BigInt(MAX_STRING_BYTES)) throw new InvalidModelFileError(this.path, `a metadata string claims ${length} bytes (the file is corrupt)`);
    return (await this.bytes(Number(length))).toString('utf8');
  }

  async scalar(type: number): Promise<string | number | bigint | boolean> {
    if (type === STRING) return this.string();
    const size = TYPE_SIZES[type];
    if (size === undefined) throw new InvalidModelFileError(this.path, `unknown metadata type ${type} (the file is corrupt)`);
    const b = await this.bytes(size);
    switch (type) {
      case 0: return b.readUInt8(0);
      case 1: return b.readInt8(0);
      case 2: return b.readUInt16LE(0);
      case 3: return b.readInt16LE(0);
      case 4: return b.readUInt32LE(0);
      case 5: return b.readInt32LE(0);
      case 6: return b.readFloatLE(0);
      case 7: return b.readUInt8(0) !== 0;
      case 10: return b.readBigUInt64LE(0);
      case 11: return b.readBigInt64LE(0);
      default: return b.readDoubleLE(0);
    }
  }

  async skipArray(elementType: number, count: bigint): Promise<void> {
    if (elementType === STRING) {
      for (let i = 0n; i < count; i++) await this.string();
      return;
    }
    const size = TYPE_SIZES[elementType];
    if (size === undefined) throw new InvalidModelFileError(this.path, `unknown array element type ${elementType} (the file is corrupt)`);
    const total = count * BigInt(size);
    if (BigInt(this.position) + total > BigInt(this.size)) throw this.truncated();
    this.position += Number(total);
  }

  private async ensure(length: number): Promise<void> {
    if (this.position + length > this.size) throw this.truncated();
    const end = this.bufferStart + this.buffer.length;
    if (this.position >= this.bufferStart && this.position + length <= end) return;
    const chunk = Math.max(length, 1024 * 1024);
    const buffer = Buffer.alloc(Math.min(chunk, this.size - this.position));
    const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, this.position);
    if (bytesRead < length) throw this.truncated();
    this.buffer = buffer.subarray(0, bytesRead);
    this.bufferStart = this.position;
  }

  private truncated(): InvalidModelFileError {
    return new InvalidModelFileError(this.path, `it ends inside its header (truncated: ${this.size} bytes); download it again`);
  }
}
