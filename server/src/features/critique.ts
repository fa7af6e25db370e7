/**
 * Inline critique, the LSP adapter of tasks/critique.ts: which proofs to critique and when (triggers, idle
 * timers), the queue, and the critique CodeLens over each proof. The findings themselves (judgements, their
 * diagnostics on exactly their steps, what chat and refine read) are critiqueFindings.ts's.
 *
 * Staleness is handled by identity, not by time. A proof is known by its statement's text (so it keeps its
 * critique when text above it moves) and judged by a hash of its statement and steps:
 *  - only proofs whose hash changed since their last critique are critiqued again (unless the user asks);
 *  - after an edit, a finding stays only on a step whose text is unchanged (critiqueFindings.ts);
 *  - a critique running for text that has changed since is cancelled; the queue holds at most one job per
 *    proof, and the newest text wins;
 *  - "no issues" is never shown while a critique of the current text is queued or running.
 * Critiques run one at a time (with the remote engine, as many at once as its endpoints take) at background
 * priority: prove, chat and completions pre-empt them, and a pre-empted critique goes back into the queue. Background critiques wait for a loaded model (they never
 * start a 2.5 GB download on save); an explicit `qed/critique` loads it.
 */
import { LSPErrorCodes, ResponseError, type CancellationToken, type CodeLens, type Diagnostic } from 'vscode-languageserver';
import type { Position, Range } from '../documents/model';
import { comparePositions } from '../documents/model';
import { statementProblem } from '../prompts/proofPrompt';
import { CLIENT_COMMANDS, type CritiqueResult, type QedNanoSettings } from '../protocol';
import { critiqueProof, type Critique } from '../tasks/critique';
import type { Generate } from '../tasks/generate';
import type { ProgressReporter } from '../model/modelManager';
import type { DismissedSteps } from '../storage/dismissals';
import { cancellationSignal, throwIfCancelled, toResponseError } from './requests';
import type { CurrentDocument } from '../documentStore';
import { statementAt } from '../documents/queries';
import { CritiqueFindings, proofsNow, type ProofNow } from './critiqueFindings';

export type { ProofNow } from './critiqueFindings';

/** After this long without an edit, `onIdle` critiques the proofs that changed. */
const IDLE_DELAY_MS = 3000;

export interface CritiqueHost {
  current: CurrentDocument;
  generate: Generate;
  settings(): QedNanoSettings;
  /** Whether a model is loaded: background critiques wait until one is. */
  modelLoaded(): boolean;
  /** A background critique waits for a model: the model's status says so. */
  waitForModel(): void;
  /** Replaces the critique's diagnostics of `uri`. */
  publish(uri: string, diagnostics: Diagnostic[]): void;
  /** The lenses changed (a critique started, finished or went stale): the client asks for them again. */
  refreshLenses(): void;
  /** Shows a running critique in the client (VS Code: the status bar); the user may cancel it there. */
  startProgress(title: string): Promise<ProgressReporter>;
  /** Steps whose findings the user dismissed. */
  dismissed: DismissedSteps;
  log(message: string): void;
  /** How many critiques may run at once: one on the local model (they run in the background, beside the
   * user's own work); with the remote engine, as many as its endpoints take. */
  concurrency(): number;
}

interface Job {
  uri: string;
  key: string;
  /** Waiting `qed/critique` requests. */
  waiters: { resolve: (critique: Critique & { title: string; range: Range }) => void; reject: (error: unknown) => void }[];
}

export class Critic {
  /** The critiques' findings, per document and proof. */
  readonly findings: CritiqueFindings;
  /** Queued jobs by `uri \n key`, oldest first. */
  private readonly queue = new Map<string, Job>();
  /** Running critiques by job id. */
  private readonly running = new Map<string, { job: Job; hash: string; abort: AbortController }>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  /** Where the last edit of each document was: `onIdle` leaves the proof being typed in alone. */
  private readonly lastEdit = new Map<string, number>();
  /** Set when a background critique was skipped for want of a model (the lens says so). */
  private waitingForModel = false;

  constructor(private readonly host: CritiqueHost) {
    this.findings = new CritiqueFindings(host.dismissed);
  }

  /** The critique's diagnostics of a document as it is now (findings follow their steps' text). */
  diagnostics(uri: string): Diagnostic[] {
    return this.findings.diagnostics(uri, this.proofs(uri));
  }

  /** The last critique of the proof, if its text has not changed since. */
  critiqueOf(uri: string, proof: ProofNow): Critique | undefined {
    return this.findings.critiqueOf(uri, proof);
  }

  /** The document was saved: with trigger `onSave`, its changed proofs are critiqued. */
  saved(uri: string): void {
    if (this.host.settings().critique.trigger === 'onSave') this.enqueueChanged(uri);
  }

  /** The document changed (`line`: where): stale work stops; with trigger `onIdle`, a pause critiques. */
  changed(uri: string, line: number | undefined): void {
    if (line !== undefined) this.lastEdit.set(uri, line);
    for (const running of this.running.values()) {
      if (running.job.uri !== uri) continue;
      const now = this.proofsOf(uri)?.find((p) => p.key === running.job.key);
      if (!now || now.hash !== running.hash) running.abort.abort();
    }
    clearTimeout(this.idleTimers.get(uri));
    if (this.host.settings().critique.trigger === 'onIdle') {
      this.idleTimers.set(uri, setTimeout(() => this.enqueueChanged(uri, this.lastEdit.get(uri)), IDLE_DELAY_MS));
    }
  }

  closed(uri: string): void {
    clearTimeout(this.idleTimers.get(uri));
    this.idleTimers.delete(uri);
    this.lastEdit.delete(uri);
    for (const [id, job] of this.queue) {
      if (job.uri !== uri) continue;
      this.queue.delete(id);
      for (const waiter of job.waiters) waiter.reject(new ResponseError(LSPErrorCodes.RequestCancelled, 'The document was closed.'));
    }
    for (const running of this.running.values()) if (running.job.uri === uri) running.abort.abort();
  }

  /** `qed/critique`: the proof at `position` (or every proof of the document) critiqued now. */
  async request(uri: string, position: Position | undefined, token: CancellationToken): Promise<CritiqueResult> {
    const proofs = this.proofsOf(uri);
    if (!proofs) throw new ResponseError(LSPErrorCodes.RequestFailed, `${uri} is not an open LaTeX or Markdown document.`);
    const current = this.host.current(uri)!;
    const wanted = position ? proofs.filter((p) => p.statement === statementAt(current.analysis, position)) : proofs;
    if (wanted.length === 0) {
      throw new ResponseError(LSPErrorCodes.RequestFailed, position ? 'Put the cursor in a proof (or its statement) to critique it.' : 'This document has no proof to critique.');
    }
    const cancelled = cancellationSignal(token);
    throwIfCancelled(cancelled, 'The critique was cancelled.');
    const results = wanted.map(
      (proof) =>
        new Promise<Critique & { title: string; range: Range }>((resolve, reject) => {
          const job = this.enqueue(uri, proof.key);
          job.waiters.push({ resolve, reject });
          cancelled.addEventListener('abort', () => {
            reject(new ResponseError(LSPErrorCodes.RequestCancelled, 'The critique was cancelled.'));
            const waiting = job.waiters.filter((w) => w.resolve !== resolve);
            job.waiters.splice(0, job.waiters.length, ...waiting);
            if (waiting.length === 0) this.running.get(jobId(job.uri, job.key))?.abort.abort();
          });
        }),
    );
    this.pump(true);
    try {
      const done = await Promise.all(results);
      return { proofs: done.map((c) => ({ title: c.title, range: c.range, score: c.score, findings: c.findings.length })) };
    } catch (error) {
      throw toResponseError(error);
    }
  }

  /** The proof whose step stands at exactly `range` now, with that step's index; for code actions. */
  stepAt(uri: string, range: Range): { proof: ProofNow; index: number } | undefined {
    for (const proof of this.proofsOf(uri) ?? []) {
      const index = proof.steps.findIndex((s) => comparePositions(s.range.start, range.start) === 0 && comparePositions(s.range.end, range.end) === 0);
      if (index >= 0) return { proof, index };
    }
    return undefined;
  }

  /** The proofs of `uri` as they are now (none when it is not open). */
  proofs(uri: string): ProofNow[] {
    return this.proofsOf(uri) ?? [];
  }

  /** The proofs of a document as they are now, with their identities; undefined when it is not open. */
  private proofsOf(uri: string): ProofNow[] | undefined {
    const current = this.host.current(uri);
    return current && proofsNow(current);
  }

  /** Hides the findings on a step until its text changes; republishes the document's findings. */
  dismiss(uri: string, stepText: string): void {
    this.host.dismissed.add(stepText);
    this.host.publish(uri, this.diagnostics(uri));
    this.host.refreshLenses();
  }

  /** The problem the model sees for a proof's statement (macros and earlier results included). */
  problemOf(uri: string, proof: ProofNow): string {
    const { document, analysis } = this.host.current(uri)!;
    return statementProblem(analysis, proof.statement, (range) => document.getText(range));
  }

  /** One lens over each proof: its critique's score and findings, or what is happening to it. */
  lenses(uri: string): CodeLens[] {
    const proofs = this.proofsOf(uri) ?? [];
    return proofs.map((proof) => {
      const range = proof.statement.proof!.headerRange;
      const again = (title: string): CodeLens => ({ range, command: { title, command: CLIENT_COMMANDS.critique, arguments: [uri, range.start] } });
      const id = jobId(uri, proof.key);
      if (this.running.has(id)) return { range, command: { title: 'QED-Nano: critiquing…', command: '' } };
      if (this.queue.has(id)) return { range, command: { title: 'QED-Nano: critique queued', command: '' } };
      const judgement = this.findings.judgementOf(uri, proof.key);
      if (!judgement) {
        return this.waitingForModel
          ? { range, command: { title: 'QED-Nano: critique waits for a model · Load Model', command: CLIENT_COMMANDS.loadModel } }
          : again('QED-Nano: Critique');
      }
      if (judgement.hash !== proof.hash) return again('QED-Nano: outdated · Critique again');
      const { score, findings } = judgement.critique;
      if (findings.length === 0 && score === 1) return again(`QED-Nano: no issues · ${ago(judgement.at)}`);
      // Dismissed findings are not counted as issues (the user set them aside); the lens says how many.
      const { shown, dismissed } = this.findings.placed(proof, judgement);
      const issues = findings.length === 0 ? 'no step flagged' : `${shown.length} ${shown.length === 1 ? 'issue' : 'issues'}`;
      return again(`QED-Nano: ${score} · ${issues}${dismissed > 0 ? ` (${dismissed} dismissed)` : ''} · Critique again`);
    });
  }

  /** Queues the proofs of `uri` whose text changed since their last critique (not the one holding `skipLine`). */
  private enqueueChanged(uri: string, skipLine?: number): void {
    const proofs = this.proofsOf(uri);
    if (!proofs) return;
    if (!this.host.modelLoaded()) {
      if (!this.waitingForModel) this.host.log('QED-Nano critiques once a model is loaded (QED-Nano: Load Model); until then, structural checks only.');
      this.waitingForModel = true;
      this.host.waitForModel();
      this.host.refreshLenses();
      return;
    }
    this.waitingForModel = false;
    for (const proof of proofs) {
      const range = proof.statement.proof!.range;
      if (skipLine !== undefined && range.start.line <= skipLine && skipLine <= range.end.line) continue;
      if (this.findings.judgementOf(uri, proof.key)?.hash !== proof.hash) this.enqueue(uri, proof.key);
    }
    this.pump(false);
  }

  private enqueue(uri: string, key: string): Job {
    const id = jobId(uri, key);
    let job = this.queue.get(id);
    if (!job) this.queue.set(id, (job = { uri, key, waiters: [] }));
    this.host.refreshLenses();
    return job;
  }

  /** Starts queued critiques while fewer than `concurrency` run. `explicit`: a request asked, so the model
   * may be loaded. */
  private pump(explicit: boolean): void {
    while (this.running.size < Math.max(1, this.host.concurrency())) {
      const next = this.queue.values().next();
      if (next.done) return;
      const job = next.value;
      if (!explicit && job.waiters.length === 0 && !this.host.modelLoaded()) return;
      const id = jobId(job.uri, job.key);
      this.queue.delete(id);
      const proof = this.proofsOf(job.uri)?.find((p) => p.key === job.key);
      if (!proof) {
        for (const waiter of job.waiters) waiter.reject(new ResponseError(LSPErrorCodes.RequestFailed, 'That proof is no longer in the document.'));
        continue;
      }
      const abort = new AbortController();
      this.running.set(id, { job, hash: proof.hash, abort });
      this.host.refreshLenses();
      void this.run(job, proof, abort).finally(() => {
        this.running.delete(id);
        this.host.refreshLenses();
        this.pump(false);
      });
    }
  }

  private async run(job: Job, proof: ProofNow, abort: AbortController): Promise<void> {
    const signal = abort.signal;
    const settings = this.host.settings();
    const problem = this.problemOf(job.uri, proof);
    // The status-bar progress is a courtesy: a client that refuses it does not stop the critique.
    const progress = await this.host.startProgress(`QED-Nano: critiquing ${proof.statement.title}`).catch((): ProgressReporter => ({
      report: () => {},
      cancelled: new AbortController().signal,
      done: () => {},
    }));
    const stop = (): void => abort.abort();
    progress.cancelled.addEventListener('abort', stop, { once: true });
    try {
      const outcome = await critiqueProof(
        { problem, steps: proof.steps.map((s) => s.text) },
        this.host.generate,
        { depth: settings.critique.depth, thinkingBudget: settings.critique.thinkingBudget, maxTokens: settings.generation.maxTokens },
        signal,
      );
      if (outcome === 'preempted') {
        // Interactive work took the model: run again later, after whatever is queued now.
        const requeued = this.enqueue(job.uri, job.key);
        requeued.waiters.push(...job.waiters);
        return;
      }
      if (outcome === 'cancelled') {
        // The text changed (a newer job follows, if the trigger wants one) or the request was cancelled.
        for (const waiter of job.waiters) waiter.reject(new ResponseError(LSPErrorCodes.RequestCancelled, 'The proof changed while it was critiqued.'));
        return;
      }
      this.findings.record(job.uri, proof, outcome);
      this.host.publish(job.uri, this.diagnostics(job.uri));
      for (const waiter of job.waiters) waiter.resolve({ ...outcome, title: proof.statement.title, range: proof.statement.proof!.range });
    } catch (error) {
      this.host.log(`The critique of ${proof.statement.title} failed: ${error instanceof Error ? error.message : String(error)}`);
      for (const waiter of job.waiters) waiter.reject(error);
    } finally {
      progress.cancelled.removeEventListener('abort', stop);
      progress.done();
    }
  }


}

function jobId(uri: string, key: string): string {
  return `${uri}\n${key}`;
}

function ago(at: number): string {
  const minutes = Math.round((Date.now() - at) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 24 ? `${hours} h ago` : `${Math.round(hours / 24)} d ago`;
}
