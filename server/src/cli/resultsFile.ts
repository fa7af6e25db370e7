/**
 * The results files of batch and grade: one JSON object per line, each with a string `id`, appended as each
 * result is finished, so an interrupt or a kill loses nothing finished, and read back to resume. A hard kill
 * can leave a last line without its newline: a whole result there gets its newline back, a line cut short
 * is dropped (its work is done again). Lines that are not results are left alone and never read as one.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

/** A line of a results file. */
export type ResultLine = Record<string, unknown> & { id: string };

/** The results of `file` (none when it does not exist yet), without changing it. */
export function readResults(file: string): ResultLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').map(resultOf).filter((r): r is ResultLine => r !== undefined);
}

/**
 * Makes `file` ready to be appended to: a last line without its newline gets it when it is a result, and is
 * cut off when it is not (a line an interrupt cut short).
 */
export function repairResults(file: string): void {
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  if (text === '' || text.endsWith('\n')) return;
  const lastLine = text.slice(text.lastIndexOf('\n') + 1);
  writeFileSync(file, resultOf(lastLine) ? `${text}\n` : text.slice(0, text.lastIndexOf('\n') + 1));
}

/** Appends one finished result as a line. */
export function appendResult(file: string, result: { id: string }): void {
  appendFileSync(file, `${JSON.stringify(result)}\n`);
}

function resultOf(line: string): ResultLine | undefined {
  if (!line.trim()) return undefined;
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string' ? (value as ResultLine) : undefined;
  } catch {
    return undefined;
  }
}
