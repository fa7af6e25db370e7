/** Paths and readers for the test fixtures. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const DOCUMENTS_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'documents');

export function readDocument(name: string): string {
  return readFileSync(path.join(DOCUMENTS_DIR, name), 'utf8');
}

/** The 1-based line of the first line of `text` that contains `needle` (for readable assertions). */
export function lineOf(text: string, needle: string, occurrence = 1): number {
  const lines = text.split('\n');
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.includes(needle) && ++seen === occurrence) return i + 1;
  }
  throw new Error(`"${needle}" (occurrence ${occurrence}) is not in the text`);
}
