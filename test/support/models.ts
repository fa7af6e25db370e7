/** Tiny model files for tests, written once per process into a temporary folder. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeGguf, type MetadataValue, type TensorF32 } from './gguf/writer';
import { tinyModelBytes, tinyModelParts, type TinyModelVariant } from './tinyModel';

let folder: string | undefined;
const written = new Map<string, string>();

/** A temporary folder for this test process, removed when it exits. */
export function scratchFolder(): string {
  if (!folder) {
    const created = mkdtempSync(path.join(tmpdir(), 'qed-nano-models-'));
    process.once('exit', () => rmSync(created, { recursive: true, force: true }));
    folder = created;
  }
  return folder;
}

/** The path of the tiny model of `variant` (written on first use). */
export function tinyModelPath(variant: TinyModelVariant = 'endless'): string {
  let file = written.get(variant);
  if (!file) {
    file = path.join(scratchFolder(), `tiny-${variant}.gguf`);
    writeFileSync(file, tinyModelBytes(variant));
    written.set(variant, file);
  }
  return file;
}

/** Writes a file named `name` with `bytes` into the scratch folder and returns its path. */
export function scratchFile(name: string, bytes: Buffer | string): string {
  const file = path.join(scratchFolder(), name);
  writeFileSync(file, bytes);
  return file;
}

/** A tiny model with its metadata and tensors changed by `edit`, written as `name`. */
export function brokenTinyModel(
  name: string,
  edit: (parts: { metadata: [string, MetadataValue][]; tensors: TensorF32[] }) => void,
): string {
  const parts = tinyModelParts();
  edit(parts);
  return scratchFile(name, writeGguf(parts.metadata, parts.tensors));
}

/** Paths that are no regular file, in a new folder `name` of the scratch folder: a FIFO (opening it blocks
 * until a writer comes) and a symbolic link to itself. */
export function specialPaths(name: string): { folder: string; fifo: string; loop: string } {
  const folder = path.join(scratchFolder(), name);
  mkdirSync(folder, { recursive: true });
  const fifo = path.join(folder, 'pipe.gguf');
  execFileSync('mkfifo', [fifo]);
  const loop = path.join(folder, 'loop.gguf');
  symlinkSync(loop, loop);
  return { folder, fifo, loop };
}
