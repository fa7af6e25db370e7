/**
 * What the proof controller remembers between runs, with no VS Code in it (unit-tested in
 * test/unit/proof-state.test.ts): the last attempt (what Retry and Continue use), the proof the view shows
 * (what Insert and Copy use), where Insert put it and whether it is still there, whether its statement was
 * edited meanwhile, and whether the last failure was "no model could be used". ProofController turns user
 * actions and the server's answers into calls here and shows what this says.
 */
import type { InsertState, PanelActions, PanelRunState } from '../../media/src/panelProtocol';
import type { GenerationProgress, ProveMode, ProveParams, ProveResult } from '../../server/src/protocol';
import { canContinue, isModelUnavailable, withoutContinuation } from './proofOutcome';

/** One prove request and what came back of it. */
export interface ProofRun {
  readonly params: ProveParams;
  result?: ProveResult;
  /** The statement being proved (from the stream's first value). */
  statement?: string;
  /** Deep mode: the best proof so far; the reasoning cache: the last proof an attempt wrote. Kept when the
   * run is stopped. */
  bestSoFar?: string;
}

/** How a run that threw ends in the view: its state, the line under it, and the proof it keeps (if any). */
export interface ProofRunEnd {
  state: PanelRunState;
  message: string;
  proof?: string;
}

export class ProofState {
  /** The finished run with a proof that the view shows: what Insert and Copy use. */
  private last: ProofRun | undefined;
  /** The last run begun, finished or not, with or without a proof: what Retry and Continue use. */
  private lastAttempt: ProofRun | undefined;
  /** The proof Insert put into a document, and whether its text is there now (Undo takes it out). */
  private placed: { run: ProofRun; uri: string; text: string; present: boolean } | undefined;
  /** The run whose statement was edited while its proof was written: Insert offers "Insert anyway". */
  private statementChanged: ProofRun | undefined;
  /** The last run failed because no model could be used: once one is ready, the view says so. */
  private failedForModel = false;

  /** A run begins: Retry now means it (failures too, so Retry works after an error), and Insert and Copy
   * act on what the view shows, which from now on is this run. */
  begin(params: ProveParams): ProofRun {
    const run: ProofRun = { params };
    this.lastAttempt = run;
    this.last = undefined;
    this.failedForModel = false;
    return run;
  }

  /** A streamed value of `run`: the statement it proves, and the proof kept if it is stopped. */
  progress(run: ProofRun, progress: GenerationProgress): void {
    if (progress.kind === 'started') run.statement = progress.statement;
    else if (progress.kind === 'candidates' && progress.best) run.bestSoFar = progress.best.proof;
    else if (progress.kind === 'attempt' && progress.proofSoFar) run.bestSoFar = progress.proofSoFar;
  }

  /** `run` answered: `done` with a proof (a reasoning-cache run has one when an earlier attempt wrote it),
   * else `noProof`. */
  finished(run: ProofRun, result: ProveResult): 'done' | 'noProof' {
    run.result = result;
    if (!result.proof) return 'noProof';
    this.last = run;
    return 'done';
  }

  /** `run` threw, after Stop (`cancelled`) or not: a stopped deep or reasoning-cache run keeps its best or
   * last proof so far for Insert and Copy. */
  failed(run: ProofRun, cancelled: boolean, error: unknown): ProofRunEnd {
    const keepsBest = cancelled && run.bestSoFar !== undefined;
    if (keepsBest) this.last = run;
    this.failedForModel = !cancelled && isModelUnavailable(error);
    if (keepsBest) {
      const message =
        run.params.mode === 'deep'
          ? 'Stopped: the best proof so far (by verification scores) stays above; you can insert or copy it.'
          : 'Stopped: the last proof an attempt wrote stays above; you can insert or copy it.';
      return { state: 'stopped', message, proof: run.bestSoFar };
    }
    if (cancelled) return { state: 'stopped', message: 'Stopped. What the model wrote so far stays above; it is not a finished proof.' };
    return { state: 'error', message: error instanceof Error ? error.message : String(error) };
  }

  /** A model became ready: the line to show instead of the "no model" error, once, when the last run
   * failed for want of one and nothing runs now. */
  modelReady(running: boolean, modelName: string | undefined): string | undefined {
    if (running || !this.failedForModel) return undefined;
    this.failedForModel = false;
    return `The model is ready now${modelName ? ` (${modelName})` : ''}: Retry proves the statement.`;
  }

  /** The parameters Retry sends: the last attempt's, afresh, in `mode` when given. */
  retry(mode?: ProveMode): ProveParams | undefined {
    if (!this.lastAttempt) return undefined;
    const params = withoutContinuation(this.lastAttempt.params);
    return mode === undefined ? params : { ...params, mode };
  }

  /** The parameters Continue sends: the last attempt's, carrying its thinking (and the summary it came
   * from) when it stopped while still thinking; undefined when there is nothing to continue. The mode stays
   * the attempt's, so the view keeps showing the user's choice. */
  continuation(): ProveParams | undefined {
    const result = this.lastAttempt?.result;
    if (!this.lastAttempt || !result || result.thoughtClosed || !result.thinking) return undefined;
    const summary = result.reasoningCache?.summary;
    return { ...withoutContinuation(this.lastAttempt.params), continueFrom: { thinking: result.thinking, ...(summary !== undefined ? { summary } : {}) } };
  }

  /** What Insert puts in: the run shown, its proof and statement; undefined when there is none, and
   * `alreadyInserted` while that proof is in its document. */
  toInsert(): { run: ProofRun; proof: string; statement: string } | 'alreadyInserted' | undefined {
    const run = this.last;
    const proof = run && proofOf(run);
    if (!run || !proof || !run.statement) return undefined;
    if (this.placed?.run === run && this.placed.present) return 'alreadyInserted';
    return { run, proof, statement: run.statement };
  }

  /** What Copy copies: the proof shown, or the last attempt's (a stopped run's text). */
  toCopy(): { run: ProofRun; proof: string } | undefined {
    const run = this.last ?? this.lastAttempt;
    const proof = run && proofOf(run);
    return run && proof ? { run, proof } : undefined;
  }

  /** Insert put `run`'s proof into `uri` as `text`. */
  inserted(run: ProofRun, uri: string, text: string): void {
    this.placed = { run, uri, text: text.trim(), present: true };
    this.statementChanged = undefined;
  }

  /** Insert found `run`'s statement edited: the view offers "Insert anyway". */
  markStatementChanged(run: ProofRun): void {
    this.statementChanged = run;
  }

  /** The document at `uri` now reads `text`: whether Insert's state changed (Undo took the proof out, or
   * Redo put it back). */
  documentChanged(uri: string, text: string): boolean {
    const placed = this.placed;
    if (!placed || uri !== placed.uri) return false;
    const present = text.includes(placed.text);
    if (present === placed.present) return false;
    placed.present = present;
    return true;
  }

  /** What the view offers for the proof shown. */
  actions(): PanelActions {
    return { retry: this.lastAttempt !== undefined, continue: canContinue(this.lastAttempt?.result), insert: this.insertState() };
  }

  private insertState(): InsertState {
    if (!this.last) return 'none';
    if (this.placed?.run === this.last && this.placed.present) return 'inserted';
    return this.statementChanged === this.last ? 'statementChanged' : 'ready';
  }
}

/** Where Prove was asked: the cursor, or the selection's start. */
export function askedAt(run: ProofRun): ProveParams['position'] {
  return run.params.position ?? run.params.range?.start;
}

/** The proof a run wrote: its result's, or (a stopped deep or reasoning-cache run) the best or last so far. */
function proofOf(run: ProofRun): string | undefined {
  return run.result?.proof || run.bestSoFar;
}
