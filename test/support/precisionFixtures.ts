/**
 * The precision fixtures (test/fixtures/precision): one small file per class of correct writing that a
 * structural check once flagged, or per broken shape whose finding must be exactly one, in its place. Each
 * says what it expects in a comment in its first lines:
 *
 *   % expect: none                                   (LaTeX; Markdown: <!-- expect: none -->)
 *   % expect: unmatched-end@12 unclosed-math@9:25    (rule@line or rule@line:column, 1-based)
 *   % expect with guesses: ...                       (with qedNano.analysis.guesses on; else as `expect`)
 *
 * The unit, CLI and LSP tests read the same expectations.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { DocumentFormat } from '../../server/src/documents/proofDocument';
import { REPO_ROOT } from './fixtures';

export const PRECISION_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'precision');

export interface ExpectedFinding {
  rule: string;
  line: number;
  column?: number;
}

export interface PrecisionFixture {
  name: string;
  format: DocumentFormat;
  text: string;
  expected: ExpectedFinding[];
  expectedWithGuesses: ExpectedFinding[];
}

export function precisionFixtures(): PrecisionFixture[] {
  return readdirSync(PRECISION_DIR)
    .filter((name) => name.endsWith('.tex') || name.endsWith('.md'))
    .sort()
    .map((name) => {
      const text = readFileSync(path.join(PRECISION_DIR, name), 'utf8');
      const head = text.split('\n').slice(0, 10);
      const expected = expectation(head, 'expect');
      if (!expected) throw new Error(`${name} says nothing it expects`);
      return { name, format: name.endsWith('.tex') ? 'latex' : 'markdown', text, expected, expectedWithGuesses: expectation(head, 'expect with guesses') ?? expected };
    });
}

function expectation(head: readonly string[], key: string): ExpectedFinding[] | undefined {
  const pattern = new RegExp(`^(?:%|<!--)\\s*${key}:\\s*(.*?)\\s*(?:-->)?$`);
  for (const line of head) {
    const match = pattern.exec(line);
    if (!match) continue;
    if (match[1] === 'none') return [];
    return match[1]!.split(/\s+/).map((item) => {
      const [rule, at] = item.split('@') as [string, string];
      const [lineNumber, column] = at.split(':').map(Number);
      return { rule, line: lineNumber!, ...(column !== undefined ? { column } : {}) };
    });
  }
  return undefined;
}

/** A finding as the expectations write it, with the column only where the expectation gives one. */
export function asExpected(found: { rule: string; line: number; column: number }, like: readonly ExpectedFinding[]): string {
  const withColumn = like.some((e) => e.rule === found.rule && e.line === found.line && e.column !== undefined);
  return `${found.rule}@${found.line}${withColumn ? `:${found.column}` : ''}`;
}

export function describeExpected(expected: readonly ExpectedFinding[]): string[] {
  return expected.map((e) => `${e.rule}@${e.line}${e.column !== undefined ? `:${e.column}` : ''}`);
}
