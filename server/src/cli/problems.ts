/**
 * A file of problems as batch and grade read it: a CSV file (IMO-ProofBench's as it is; parsed by csv-parse,
 * which handles quoted multi-line fields) or a JSONL file of objects with the same keys. Columns are found
 * by name, case and surrounding spaces ignored: the id (`Problem ID`, `id`, `problem_id`), the problem
 * (`Problem`, `statement`) and whatever else a command needs. Rows without an id or a problem are skipped,
 * and an id seen before: the first row of an id is the problem. Anything unreadable, or a missing column,
 * is a usage error, found before any model or judge is used.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { CliError, EXIT } from './exitCodes';

export interface Problem {
  id: string;
  problem: string;
}

/** A column a command needs besides the id and the problem. */
export interface ColumnSpec {
  /** Its name as the error message gives it (IMO-ProofBench's). */
  title: string;
  /** The names it may have, lower case. */
  names: readonly string[];
  /** A missing optional column reads as '' in every row; a missing required one is a usage error. */
  optional?: boolean;
}

const ID_COLUMN: ColumnSpec = { title: 'Problem ID', names: ['problem id', 'id', 'problem_id'] };
const PROBLEM_COLUMN: ColumnSpec = { title: 'Problem', names: ['problem', 'statement'] };

/** The problems of `file`, each with the (trimmed) text of the `extra` columns under their keys. */
export function readProblems<K extends string = never>(file: string, extra: Record<K, ColumnSpec> = {} as Record<K, ColumnSpec>): (Problem & Record<K, string>)[] {
  const rows = readRows(file);
  const keys = Object.keys(rows[0] ?? {});
  const find = (spec: ColumnSpec): string | undefined => keys.find((k) => spec.names.includes(k.trim().toLowerCase()));
  const extras = Object.entries(extra) as [K, ColumnSpec][];
  const required = [ID_COLUMN, PROBLEM_COLUMN, ...extras.map(([, spec]) => spec).filter((spec) => !spec.optional)];
  if (required.some((spec) => find(spec) === undefined)) {
    const titles = required.map((spec) => `"${spec.title}"`);
    const list = titles.length === 2 ? titles.join(' and ') : `${titles.slice(0, -1).join(', ')} and ${titles.at(-1)}`;
    throw new CliError(`qed-nano: ${file} needs the columns ${list} (found: ${keys.join(', ') || 'none'}).`, EXIT.usage);
  }
  const idKey = find(ID_COLUMN)!;
  const problemKey = find(PROBLEM_COLUMN)!;
  const extraKeys = extras.map(([key, spec]) => [key, find(spec)] as const);
  const seen = new Set<string>();
  const problems: (Problem & Record<K, string>)[] = [];
  for (const row of rows) {
    const id = text(row[idKey]);
    const problem = text(row[problemKey]);
    if (!id || !problem || seen.has(id)) continue;
    seen.add(id);
    const cells = Object.fromEntries(extraKeys.map(([key, column]) => [key, column === undefined ? '' : text(row[column])])) as Record<K, string>;
    problems.push({ ...cells, id, problem });
  }
  return problems;
}

function text(value: unknown): string {
  return String(value ?? '').trim();
}

function readRows(file: string): Record<string, unknown>[] {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`qed-nano: cannot read ${file}: ${(error as { code?: string }).code === 'ENOENT' ? 'no such file' : String(error)}.`, EXIT.usage);
  }
  const extension = path.extname(file).toLowerCase();
  if (extension === '.jsonl') {
    return content.split('\n').filter((line) => line.trim() !== '').map((line, i) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new CliError(`qed-nano: line ${i + 1} of ${file} is not JSON.`, EXIT.usage);
      }
    });
  }
  if (extension === '.csv') {
    try {
      return parse(content, { columns: true, bom: true, skip_empty_lines: true, relax_column_count: true }) as Record<string, unknown>[];
    } catch (error) {
      throw new CliError(`qed-nano: ${file} is not a readable CSV file: ${error instanceof Error ? error.message : String(error)}.`, EXIT.usage);
    }
  }
  throw new CliError(`qed-nano: ${file} is neither .csv nor .jsonl.`, EXIT.usage);
}
