/**
 * The command line's inputs: LaTeX and Markdown files named directly or found in folders (recursively,
 * skipping hidden folders and node_modules), read as text. A missing, unreadable or binary file is a usage
 * error with one line that names it.
 */
import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import type { DocumentFormat } from '../documents/model';
import { CliError, EXIT } from './exitCodes';

export interface InputFile {
  path: string;
  format: DocumentFormat;
  text: string;
}

const FORMATS: Record<string, DocumentFormat> = { '.tex': 'latex', '.latex': 'latex', '.ltx': 'latex', '.md': 'markdown', '.markdown': 'markdown' };

/** The format of a file by its extension, or undefined for other files. */
export function formatOf(file: string): DocumentFormat | undefined {
  return FORMATS[path.extname(file).toLowerCase()];
}

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
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new CliError(`qed-nano: cannot read ${file}: ${reason(error)}.`, EXIT.usage);
  }
  // A NUL byte in the first 8 KB: a binary file, not a document (what git and grep take as binary).
  if (bytes.subarray(0, 8192).includes(0)) throw new CliError(`qed-nano: ${file} is a binary file, not a LaTeX or Markdown document.`, EXIT.usage);
  return { path: file, format, text: bytes.toString('utf8') };
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
