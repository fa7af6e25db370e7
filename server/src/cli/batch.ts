/**
 * `qed-nano batch PROBLEMS.(csv|jsonl) --out RESULTS.jsonl [--mode single|deep|rc]`: every problem proved, one
 * JSON line per result appended as it finishes (resultsFile.ts). IMO-ProofBench's CSV works as it is
 * (problems.ts reads it). Resumable: ids already in the output are skipped. Ctrl+C stops the running proofs
 * and keeps every finished line (a half-written last line, from a hard kill, is dropped on resume).
 */
import { DeepRun } from '../tasks/deepProof';
import { writeProof } from '../tasks/proof';
import { runReasoningCache } from '../tasks/reasoningCache';
import { IGNORE_CHUNKS } from '../tasks/generate';
import type { ProveMode } from '../protocol';
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

/** How one problem is proved: its result, or a thrown error when the model fails. */
type ProveOne = (problem: string, model: OpenModel, signal: AbortSignal) => Promise<Omit<BatchResult, 'id'>>;

/**
 * The modes of `--mode`, each a way to prove one problem with the same settings object as the editor:
 * `single` one proof (writeProof, `generation` budgets), `deep` the generate-verify-refine scaffold (DeepRun,
 * `deep` settings), `rc` the reasoning cache (`rc.iterations` attempts), as `prove --mode` runs them. Another
 * mode is one more entry.
 */
const MODES = {
  single: proveSingle,
  deep: proveDeep,
  rc: proveReasoningCache,
} satisfies Record<ProveMode, ProveOne>;

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

async function proveOne(problem: Problem, mode: ProveMode, model: OpenModel, signal: AbortSignal): Promise<BatchResult> {
  try {
    return { id: problem.id, ...(await MODES[mode](problem.problem, model, signal)) };
  } catch (error) {
    throw new CliError(`qed-nano: problem ${problem.id} failed: ${error instanceof Error ? error.message : String(error)}`, EXIT.engine);
  }
}

async function proveSingle(problem: string, model: OpenModel, signal: AbortSignal): Promise<Omit<BatchResult, 'id'>> {
  const result = await writeProof(problem, model.generate, model.settings.generation, IGNORE_CHUNKS, signal);
  return {
    proof: result.answer,
    thinkingLength: result.thinking.length,
    promptTokens: result.stats.promptTokens,
    thinkingTokens: result.stats.thinkingTokens,
    proofTokens: result.stats.answerTokens,
    ms: result.stats.ms,
    stopReason: result.stopReason,
  };
}

async function proveDeep(problem: string, model: OpenModel, signal: AbortSignal): Promise<Omit<BatchResult, 'id'>> {
  const started = Date.now();
  const run = new DeepRun(problem, model.generate, model.settings.deep, model.settings.generation, () => {}, signal);
  const outcome = await run.run();
  return {
    proof: outcome.best?.proof ?? '',
    thinkingLength: outcome.best?.thinking.length ?? 0,
    promptTokens: run.totals.promptTokens,
    thinkingTokens: run.totals.thinkingTokens,
    proofTokens: run.totals.answerTokens,
    ms: Date.now() - started,
    stopReason: outcome.report.stoppedBecause,
  };
}

async function proveReasoningCache(problem: string, model: OpenModel, signal: AbortSignal): Promise<Omit<BatchResult, 'id'>> {
  const started = Date.now();
  const budgets = { ...model.settings.generation, contextSize: model.settings.contextSize };
  const outcome = await runReasoningCache({ problem, attempts: model.settings.rc.iterations }, model.generate, budgets, () => {}, IGNORE_CHUNKS, signal);
  return {
    proof: outcome.proof,
    thinkingLength: outcome.last.thinking.length,
    promptTokens: outcome.totals.promptTokens,
    thinkingTokens: outcome.totals.thinkingTokens,
    proofTokens: outcome.totals.answerTokens,
    ms: Date.now() - started,
    stopReason: outcome.last.stopReason,
  };
}
