/**
 * The one proof runner: how each proof mode proves one problem (`single`: one pass, tasks/proof.ts;
 * `deep`: generate, verify, refine, tasks/deepProof.ts; `rc`: the reasoning cache, tasks/reasoningCache.ts,
 * which a Continue runs for one attempt), with the same settings object wherever it runs. `qed/prove`
 * (features/prove.ts), `qed-nano prove` and `qed-nano batch` all call `runProof`: a mode is one row of
 * `MODES` here, nowhere else. No LSP, no terminal: what a run streams goes to the caller's sinks, and the
 * outcome is the wire's `ProveResult` without what only a document has (the statement and its insertion).
 */
import type { GenerationProgress, ProveMode, ProveParams, ProveResult, QedNanoSettings } from '../protocol';
import { DeepRun } from '../tasks/deepProof';
import type { ChunkSink, Generate } from '../tasks/generate';
import { writeProof } from '../tasks/proof';
import { runReasoningCache } from '../tasks/reasoningCache';
import { toCost } from './generationCost';

/** What a run proves, and how. */
export interface ProofRequest {
  /** The problem text the model reads (a snapshot's `problem()`). */
  problem: string;
  /** Absent: `single`. */
  mode?: ProveMode;
  /** Continue an earlier attempt: one step of the reasoning cache (unless `mode` is `deep`, which starts afresh). */
  continueFrom?: ProveParams['continueFrom'];
}

/** A run's result: `proof` is '' when none was written. */
export type ProofOutcome = Omit<ProveResult, 'statement' | 'insertion'>;

/** Where a run's stream goes: its progress values (phases, candidates, summaries) and the model's text. */
export interface ProofSinks {
  progress(value: GenerationProgress): void;
  chunk: ChunkSink;
}

type Prover = (request: ProofRequest, generate: Generate, settings: QedNanoSettings, sinks: ProofSinks, signal: AbortSignal) => Promise<ProofOutcome>;

/** Proves `request.problem` in its mode. Errors are the tasks' (a `UserFacingError` says what went wrong);
 * a cancelled run returns what it has (the caller checks `signal`). */
export function runProof(request: ProofRequest, generate: Generate, settings: QedNanoSettings, sinks: ProofSinks, signal: AbortSignal): Promise<ProofOutcome> {
  return MODES[modeOf(request)](request, generate, settings, sinks, signal);
}

/** The mode a request runs in: `deep` as asked, else the reasoning cache when asked or continuing, else a
 * single pass. */
export function modeOf(request: ProofRequest): ProveMode {
  if (request.mode === 'deep') return 'deep';
  return request.mode === 'rc' || request.continueFrom ? 'rc' : 'single';
}

const single: Prover = async ({ problem }, generate, settings, sinks, signal) => {
  const result = await writeProof(problem, generate, settings.generation, sinks.chunk, signal);
  return { proof: result.answer, thinking: result.thinking, thoughtClosed: result.thoughtClosed, stopReason: result.stopReason, stats: toCost(result.stats) };
};

const deep: Prover = async ({ problem }, generate, settings, sinks, signal) => {
  const started = performance.now();
  const run = new DeepRun(problem, generate, settings.deep, settings.generation, (progress) => sinks.progress(progress), signal);
  const outcome = await run.run();
  const proof = outcome.best?.proof ?? '';
  return {
    proof,
    thinking: outcome.best?.thinking ?? '',
    thoughtClosed: proof !== '',
    stopReason: run.preempted() ? 'preempted' : 'endOfText',
    deep: outcome.report,
    stats: run.totals.cost(Math.round(performance.now() - started)),
  };
};

const reasoningCache: Prover = async ({ problem, continueFrom }, generate, settings, sinks, signal) => {
  const started = performance.now();
  // Continue is one step of the cycle: one summary of the attempt it continues, one new attempt.
  const attempts = continueFrom ? 1 : settings.rc.iterations;
  const outcome = await runReasoningCache(
    { problem, attempts, ...(continueFrom ? { from: continueFrom } : {}) },
    generate,
    { ...settings.generation, contextSize: settings.contextSize },
    (progress) => sinks.progress(progress),
    sinks.chunk,
    signal,
  );
  const { last } = outcome;
  return {
    proof: outcome.proof,
    thinking: last.thinking,
    thoughtClosed: last.thoughtClosed,
    stopReason: outcome.preempted ? 'preempted' : last.stopReason,
    reasoningCache: { attemptsRun: outcome.attemptsRun, attempts, proofAttempt: outcome.proofAttempt, summaries: outcome.summaries, summary: outcome.summary },
    stats: outcome.totals.cost(Math.round(performance.now() - started)),
  };
};

/** Each mode's prover: another mode is one more row. */
const MODES: Record<ProveMode, Prover> = { single, deep, rc: reasoningCache };
