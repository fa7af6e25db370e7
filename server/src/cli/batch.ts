/**
 * `qed-nano batch PROBLEMS.(csv|jsonl) --out RESULTS.jsonl [--mode single|deep|rc]`: every problem proved, one
 * JSON line per result appended as it finishes (resultsFile.ts). IMO-ProofBench's CSV works as it is
 * (problems.ts reads it). Resumable: ids already in the output are skipped. Ctrl+C stops the running proofs
 * and keeps every finished line (a half-written last line, from a hard kill, is dropped on resume).
 */
import { IGNORE_CHUNKS } from '../tasks/generate';
import type { ProveMode } from '../protocol';
import { runProof, type ProofSinks } from '../workspace/prove';
import type { OpenModel } from './engine';
import { CliError, EXIT } from './exitCodes';
import { readProblems, type Problem } from './problems';
import { appendResult, readResults, repairResults } from './resultsFile';
import { dim, ProgressLine } from './terminal';

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

export interface BatchOptions {
  mode: ProveMode;
  concurrency: number;
}

/** Reads the problems and the results so far now (a bad CSV fails before any model is loaded); the returned
 * function proves the rest with the model. */
export function prepareBatch(problemsFile: string, out: string, options: BatchOptions): (model: OpenModel, signal: AbortSignal) => Promise<number> {
  const problems = readProblems(problemsFile);
  repairResults(out);
  const done = new Set(readResults(out).map((result) => result.id));
  return (model, signal) => batch(problems, done, out, options, model, signal);
}

async function batch(problems: Problem[], done: Set<string>, out: string, options: BatchOptions, model: OpenModel, signal: AbortSignal): Promise<number> {
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
      const result = await proveOne(next, options.mode, model, signal);
      if (signal.aborted) return; // an interrupted proof is not a result
      appendResult(out, result);
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

/** One problem proved in the run's mode (the one runner, workspace/prove.ts, as `prove --mode` runs it, with
 * the same settings object as the editor), as its result line; a thrown error when the model fails. */
async function proveOne(problem: Problem, mode: ProveMode, model: OpenModel, signal: AbortSignal): Promise<BatchResult> {
  try {
    const outcome = await runProof({ problem: problem.problem, mode }, model.generate, model.settings, IGNORE_STREAM, signal);
    return {
      id: problem.id,
      proof: outcome.proof,
      thinkingLength: outcome.thinking.length,
      promptTokens: outcome.stats.promptTokens,
      thinkingTokens: outcome.stats.thinkingTokens,
      proofTokens: outcome.stats.answerTokens,
      ms: outcome.stats.ms,
      // Deep mode's stop is why its rounds ended (its report's), every other mode's the last generation's.
      stopReason: outcome.deep?.stoppedBecause ?? outcome.stopReason,
    };
  } catch (error) {
    throw new CliError(`qed-nano: problem ${problem.id} failed: ${error instanceof Error ? error.message : String(error)}`, EXIT.engine);
  }
}

/** A batch streams nothing: each result is one line when it is finished. */
const IGNORE_STREAM: ProofSinks = { progress: () => {}, chunk: IGNORE_CHUNKS };
