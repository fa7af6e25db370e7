/**
 * A GGUF v3 writer (little-endian), enough to write small test models: typed metadata (scalars, strings,
 * arrays) and F32 tensors, with every offset and padding as llama.cpp checks them. Test support only.
 */

export const enum GgufType {
  U8 = 0,
  I8 = 1,
  U16 = 2,
  I16 = 3,
  U32 = 4,
  I32 = 5,
  F32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  U64 = 10,
  I64 = 11,
  F64 = 12,
}

export type MetadataValue =
  | { type: GgufType.U32 | GgufType.I32 | GgufType.F32 | GgufType.U8 | GgufType.I8 | GgufType.U16 | GgufType.I16 | GgufType.F64; value: number }
  | { type: GgufType.U64 | GgufType.I64; value: bigint }
  | { type: GgufType.Bool; value: boolean }
  | { type: GgufType.String; value: string }
  | { type: GgufType.Array; elementType: GgufType.String; value: string[] }
  | { type: GgufType.Array; elementType: GgufType.I32 | GgufType.U32 | GgufType.F32; value: number[] };

export interface TensorF32 {
  name: string;
  /** ne[] innermost first: ne[0] is the contiguous dimension. */
  dims: number[];
  data: Float32Array;
}

/** A tensor already encoded in a ggml type (e.g. Q8_0 blocks), written as it is. */
export interface EncodedTensor {
  name: string;
  dims: number[];
  ggmlType: number;
  bytes: Buffer;
}

export type Tensor = TensorF32 | EncodedTensor;

export const GGML_TYPE_F32 = 0;
export const GGML_TYPE_Q8_0 = 8;

const encoded = (tensor: Tensor): { type: number; bytes: Buffer } =>
  'bytes' in tensor
    ? { type: tensor.ggmlType, bytes: tensor.bytes }
    : { type: GGML_TYPE_F32, bytes: Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength) };

class ByteSink {
  private chunks: Buffer[] = [];
  length = 0;
  push(buffer: Buffer): void {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }
  u32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value);
    this.push(b);
  }
  u64(value: bigint | number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(value));
    this.push(b);
  }
  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  pad(alignment: number): void {
    const rest = this.length % alignment;
    if (rest !== 0) this.push(Buffer.alloc(alignment - rest));
  }
  result(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function writeScalar(sink: ByteSink, type: GgufType, value: number | bigint | boolean): void {
  const b = Buffer.alloc(8);
  switch (type) {
    case GgufType.U8: b.writeUInt8(value as number); return sink.push(b.subarray(0, 1));
    case GgufType.I8: b.writeInt8(value as number); return sink.push(b.subarray(0, 1));
    case GgufType.U16: b.writeUInt16LE(value as number); return sink.push(b.subarray(0, 2));
    case GgufType.I16: b.writeInt16LE(value as number); return sink.push(b.subarray(0, 2));
    case GgufType.U32: b.writeUInt32LE(value as number); return sink.push(b.subarray(0, 4));
    case GgufType.I32: b.writeInt32LE(value as number); return sink.push(b.subarray(0, 4));
    case GgufType.F32: b.writeFloatLE(value as number); return sink.push(b.subarray(0, 4));
    case GgufType.Bool: b.writeUInt8(value ? 1 : 0); return sink.push(b.subarray(0, 1));
    case GgufType.U64: b.writeBigUInt64LE(value as bigint); return sink.push(b);
    case GgufType.I64: b.writeBigInt64LE(value as bigint); return sink.push(b);
    case GgufType.F64: b.writeDoubleLE(value as number); return sink.push(b);
    default: throw new Error(`not a scalar type: ${type}`);
  }
}

/** Serialises a GGUF v3 file. `alignment` must match `general.alignment` when that key is given. */
export function writeGguf(metadata: [string, MetadataValue][], tensors: Tensor[], alignment = 32): Buffer {
  const sink = new ByteSink();
  sink.push(Buffer.from('GGUF', 'latin1'));
  sink.u32(3);
  sink.u64(tensors.length);
  sink.u64(metadata.length);
  for (const [key, entry] of metadata) {
    sink.string(key);
    sink.u32(entry.type);
    if (entry.type === GgufType.String) sink.string(entry.value);
    else if (entry.type === GgufType.Array) {
      sink.u32(entry.elementType);
      sink.u64(entry.value.length);
      for (const element of entry.value) {
        if (entry.elementType === GgufType.String) sink.string(element as string);
        else writeScalar(sink, entry.elementType, element as number);
      }
    } else writeScalar(sink, entry.type, entry.value);
  }
  let offset = 0;
  for (const tensor of tensors) {
    if ('data' in tensor && tensor.dims.reduce((a, b) => a * b, 1) !== tensor.data.length) {
      throw new Error(`${tensor.name}: ${tensor.data.length} values for dims ${tensor.dims}`);
    }
    const { type, bytes } = encoded(tensor);
    sink.string(tensor.name);
    sink.u32(tensor.dims.length);
    for (const dim of tensor.dims) sink.u64(dim);
    sink.u32(type);
    sink.u64(offset);
    offset += Math.ceil(bytes.length / alignment) * alignment;
  }
  sink.pad(alignment);
  for (const tensor of tensors) {
    sink.push(encoded(tensor).bytes);
    sink.pad(alignment);
  }
  return sink.result();
}
