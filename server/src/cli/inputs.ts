/**
 * The command line's inputs: LaTeX and Markdown files named directly or found in folders (recursively,
 * skipping hidden folders and node_modules), read as text. A missing, unreadable or binary file, or one that
 * is not a regular file (a device such as /dev/zero, a pipe, a socket), is a usage error with one line that
 * names it, given before anything is read from it; a file is read up to the analysis limit and no further.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, statSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { documentFormatOf } from '../documents/formats';
import type { DocumentFormat } from '../documents/proofDocument';
import { MAX_ANALYSED_DOCUMENT_SIZE } from '../settings';
import { CliError, EXIT } from './exitCodes';

export interface InputFile {
  path: string;
  format: DocumentFormat;
  text: string;
}

/** The format of a proof document by its extension (documents/formats.ts), or undefined for other files. */
export const formatOf = documentFormatOf;

/** Every LaTeX or Markdown file under the given files and folders, in a stable order. */
export function collectFiles(targets: readonly string[]): string[] {
  const files: string[] = [];
  for (const target of targets) {
    const stats = statOrFail(target);
    if (stats.isDirectory()) files.push(...walk(target));
    else if (formatOf(target)) files.push(target);
    else throw new CliError(`qed-nano: ${target} is not a LaTeX (.tex) or Markdown (.md) file.`, EXIT.usage);
  }
  if (files.length === 0) throw new CliError(`qed-nano: no LaTeX (.tex) or Markdown (.md) file in ${targets.join(', ')}.`, EXIT.usage);
  return files;
}

export function readInput(file: string): InputFile {
  const format = formatOf(file);
  if (!format) throw new CliError(`qed-nano: ${file} is not a LaTeX (.tex) or Markdown (.md) file.`, EXIT.usage);
  return { path: file, format, text: readTextFile(file, 'a LaTeX or Markdown') };
}

/**
 * The text of `file`, which must be a regular text file (`kind`, e.g. 'a LaTeX or Markdown', names what
 * was expected in the usage errors), read up to the analysis limit and no further.
 */
export function readTextFile(file: string, kind: string): string {
  const stats = statOrFail(file);
  if (!stats.isFile()) throw new CliError(`qed-nano: ${file} is not a regular file (${kindOf(stats)}); name ${kind} file.`, EXIT.usage);
  let bytes: Buffer;
  try {
    bytes = readBounded(file, MAX_ANALYSED_DOCUMENT_SIZE + 1, kind);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`qed-nano: cannot read ${file}: ${reason(error)}.`, EXIT.usage);
  }
  // A NUL byte in the first 8 KB: a binary file, not a document (what git and grep take as binary).
  if (bytes.subarray(0, 8192).includes(0)) throw new CliError(`qed-nano: ${file} is a binary file, not ${kind} document.`, EXIT.usage);
  return bytes.toString('utf8');
}

/**
 * At most `limit` bytes of `file`: opened without blocking (a pipe swapped in after the check cannot hang
 * the read) and checked again as opened. What is beyond the limit is never read: the analysis then reports
 * the document as larger than it reads.
 */
function readBounded(file: string, limit: number, kind: string): Buffer {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new CliError(`qed-nano: ${file} is not a regular file (${kindOf(stats)}); name ${kind} file.`, EXIT.usage);
    const buffer = Buffer.alloc(Math.min(stats.size, limit));
    let filled = 0;
    while (filled < buffer.length) {
      const read = readSync(fd, buffer, filled, buffer.length - filled, null);
      if (read === 0) break;
      filled += read;
    }
    return buffer.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  if (stats.isDirectory()) return 'a folder';
  return 'not a file';
}

function walk(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) found.push(...walk(full));
    else if (entry.isFile() && formatOf(entry.name)) found.push(full);
  }
  return found;
}

function statOrFail(target: string): Stats {
  try {
    return statSync(target);
  } catch (error) {
    throw new CliError(`qed-nano: cannot read ${target}: ${reason(error)}.`, EXIT.usage);
  }
}

function reason(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder';
  return error instanceof Error ? error.message : String(error);
}
