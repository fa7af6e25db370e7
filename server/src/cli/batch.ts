/**
 * `qed-nano batch PROBLEMS.(csv|jsonl) --out RESULTS.jsonl`: every problem proved, one JSON line per result
 * appended as it finishes. IMO-ProofBench's CSV works as it is (columns `Problem ID` and `Problem`; `id` and
 * `problem` too; parsed by csv-parse, which handles quoted multi-line fields); JSONL lines are objects
 * with the same keys. Resumable: ids already in the output are skipped. Ctrl+C stops the running proofs
 * and keeps every finished line (a half-written last line, from a hard kill, is dropped on resume).
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { DeepRun } from '../tasks/deepProof';
import { writeProof } from '../tasks/proof';
import { IGNORE_CHUNKS } from '../tasks/generate';
import type { OpenModel } from './engine';
import { CliError, EXIT } from './exitCodes';
import { dim, ProgressLine } from './terminal';

export interface Problem {
  id: string;
  problem: string;
}

export interface BatchResult {
  id: string;
  proof: string;
  /** Characters of thinking (its tokens are in thinkingTokens). */
  thinkingLength: number;
  promptTokens: number;
  thinkingTokens: number;
  proofTokens: number;
  ms: number;
  stopReason: string;
}

const ID_COLUMNS = ['problem id', 'id', 'problem_id'];
const PROBLEM_COLUMNS = ['problem', 'statement'];

export function readProblems(file: string): Problem[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`qed-nano: cannot read ${file}: ${(error as { code?: string }).code === 'ENOENT' ? 'no such file' : String(error)}.`, EXIT.usage);
  }
  let rows: Record<string, unknown>[];
  if (path.extname(file).toLowerCase() === '.jsonl') {
    rows = text.split('\n').filter((line) => line.trim() !== '').map((line, i) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new CliError(`qed-nano: line ${i + 1} of ${file} is not JSON.`, EXIT.usage);
      }
    });
  } else if (path.extname(file).toLowerCase() === '.csv') {
    try {
      rows = parse(text, { columns: true, bom: true, skip_empty_lines: true, relax_column_count: true }) as Record<string, unknown>[];
    } catch (error) {
      throw new CliError(`qed-nano: ${file} is not a readable CSV file: ${error instanceof Error ? error.message : String(error)}.`, EXIT.usage);
    }
  } else throw new CliError(`qed-nano: ${file} is neither .csv nor .jsonl.`, EXIT.usage);
  const keys = Object.keys(rows[0] ?? {});
  const find = (names: string[]): string | undefined => keys.find((k) => names.includes(k.trim().toLowerCase()));
  const idKey = find(ID_COLUMNS);
  const problemKey = find(PROBLEM_COLUMNS);
  if (!idKey || !problemKey) {
    throw new CliError(`qed-nano: ${file} needs the columns "Problem ID" and "Problem" (found: ${keys.join(', ') || 'none'}).`, EXIT.usage);
  }
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const row of rows) {
    const id = String(row[idKey] ?? '').trim();
    const problem = String(row[problemKey] ?? '').trim();
    if (!id || !problem || seen.has(id)) continue;
    seen.add(id);
    problems.push({ id, problem });
  }
  return problems;
}

/** The ids already written to `out` (a half-written last line is cut off first). */
function isResult(line: string): boolean {
  try {
    return typeof (JSON.parse(line) as { id?: unknown } | null)?.id === 'string';
  } catch {
    return false;
  }
}

export function finishedIds(out: string): Set<string> {
  if (!existsSync(out)) return new Set();
  const text = readFileSync(out, 'utf8');
  let complete = text;
  if (text !== '' && !text.endsWith('\n')) {
    // The last line has no newline: a result whose newline was lost (a complete JSON line is a result) gets
    // it back; a line cut short by an interrupt is dropped, and that problem is proved again.
    const lastLine = text.slice(text.lastIndexOf('\n') + 1);
    complete = isResult(lastLine) ? `${text}\n` : text.slice(0, text.lastIndexOf('\n') + 1);
    writeFileSync(out, complete);
  }
  const ids = new Set<string>();
  for (const line of complete.split('\n')) {
    if (!line.trim()) continue;
    try {
      const id = (JSON.parse(line) as { id?: unknown }).id;
      if (typeof id === 'string') ids.add(id);
    } catch {
      // A line that is not a result is left alone.
    }
  }
  return ids;
}

/** Reads the problems and the results so far now (a bad CSV fails before any model is loaded); the returned
 * function proves the rest with the model. */
export function prepareBatch(problemsFile: string, out: string, options: { deep: boolean; concurrency: number }): (model: OpenModel, signal: AbortSignal) => Promise<number> {
  const problems = readProblems(problemsFile);
  const done = finishedIds(out);
  return (model, signal) => batch(problems, done, out, options, model, signal);
}

async function batch(problems: Problem[], done: Set<string>, out: string, options: { deep: boolean; concurrency: number }, model: OpenModel, signal: AbortSignal): Promise<number> {
  const todo = problems.filter((p) => !done.has(p.id));
  if (done.size > 0) process.stderr.write(dim(`qed-nano: ${done.size} of ${problems.length} already in ${out}; ${todo.length} to go\n`));
  const progress = new ProgressLine();
  const started = Date.now();
  let finished = 0;
  let tokens = 0;
  let unproved = 0;
  const queue = [...todo];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next && !signal.aborted; next = queue.shift()) {
      const result = await proveOne(next, options.deep, model, signal);
      if (signal.aborted) return; // an interrupted proof is not a result
      appendFileSync(out, `${JSON.stringify(result)}\n`);
      finished++;
      tokens += result.thinkingTokens + result.proofTokens;
      if (!result.proof) unproved++;
      progress.update('Proving', done.size + finished, problems.length, (tokens * 1000) / Math.max(1, Date.now() - started), 'tok');
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, Math.max(1, todo.length)) }, worker));
  progress.clear();
  if (signal.aborted) {
    process.stderr.write(`qed-nano: interrupted; ${done.size + finished} of ${problems.length} results are in ${out}. Run the same command again to go on.\n`);
    return EXIT.interrupted;
  }
  process.stderr.write(dim(`qed-nano: ${problems.length} results in ${out}${unproved > 0 ? `, ${unproved} without a proof` : ''}\n`));
  return unproved > 0 ? EXIT.findings : EXIT.ok;
}

async function proveOne(problem: Problem, deep: boolean, model: OpenModel, signal: AbortSignal): Promise<BatchResult> {
  const started = Date.now();
  try {
    if (deep) {
      const run = new DeepRun(problem.problem, model.generate, model.settings.deep, model.settings.generation, () => {}, signal);
      const outcome = await run.run();
      return {
        id: problem.id,
        proof: outcome.best?.proof ?? '',
        thinkingLength: outcome.best?.thinking.length ?? 0,
        promptTokens: run.totals.promptTokens,
        thinkingTokens: run.totals.thinkingTokens,
        proofTokens: run.totals.answerTokens,
        ms: Date.now() - started,
        stopReason: outcome.report.stoppedBecause,
      };
    }
    const result = await writeProof(problem.problem, model.generate, model.settings.generation, IGNORE_CHUNKS, signal);
    return {
      id: problem.id,
      proof: result.answer,
      thinkingLength: result.thinking.length,
      promptTokens: result.stats.promptTokens,
      thinkingTokens: result.stats.thinkingTokens,
      proofTokens: result.stats.answerTokens,
      ms: result.stats.ms,
      stopReason: result.stopReason,
    };
  } catch (error) {
    throw new CliError(`qed-nano: problem ${problem.id} failed: ${error instanceof Error ? error.message : String(error)}`, EXIT.engine);
  }
}
