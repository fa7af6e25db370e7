/**
 * Which proofs are critiqued, and when: the triggers (`qedNano.critique.trigger`: on save, or after a pause
 * in typing that leaves the proof being typed in alone), the queue and its pump. What the critiques found
 * is critiqueFindings.ts's; `qed/critique` and the lenses are critique.ts's.
 *
 * Staleness is handled by identity, not by time. A proof is known by its statement's key and judged by a
 * hash of its statement and steps (critiqueFindings.ts):
 *  - only proofs whose hash changed since their last critique are queued again (unless the user asks);
 *  - a critique running for text that has changed since is cancelled; the queue holds at most one job per
 *    proof, and the newest text wins.
 * Critiques run one at a time (with the remote engine, as many at once as its endpoints take) at background
 * priority: prove, chat and completions pre-empt them, and a pre-empted critique goes back into the queue.
 * Background critiques wait for a loaded model (they never start a 2.5 GB download on save); an explicit
 * request may load it.
 */
import { LSPErrorCodes, ResponseError } from 'vscode-languageserver';
import type { ServerContext } from '../context';
import type { ProgressReporter } from '../model/modelManager';
import { statementProblem } from '../prompts/proofPrompt';
import { critiqueProof, type Critique } from '../tasks/critique';
import type { ProofNow } from './critiqueFindings';

/** After this long without an edit, the `onIdle` trigger critiques the proofs that changed. */
const IDLE_DELAY_MS = 3000;

/** What the queue needs of the server's context. */
export type CritiqueQueueContext = Pick<ServerContext, 'current' | 'generate' | 'settings' | 'modelLoaded' | 'waitForModel' | 'client' | 'findings' | 'proofs' | 'publishFindings'>;

/** A critique someone waits for: its proof as critiqued, and the outcome. */
export type CritiqueDone = Critique & { proof: ProofNow };

interface Job {
  uri: string;
  key: string;
  /** Waiting explicit requests. */
  waiters: { resolve: (done: CritiqueDone) => void; reject: (error: unknown) => void }[];
}

export class CritiqueQueue {
  /** Queued jobs by `uri \n key`, oldest first. */
  private readonly queued = new Map<string, Job>();
  /** Running critiques by job id. */
  private readonly running = new Map<string, { job: Job; hash: string; abort: AbortController }>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  /** Where the last edit of each document was: the idle trigger leaves the proof being typed in alone. */
  private readonly lastEdit = new Map<string, number>();
  private waiting = false;

  constructor(private readonly context: CritiqueQueueContext) {}

  /** Whether a background critique was skipped for want of a model (the lens says so). */
  get waitingForModel(): boolean {
    return this.waiting;
  }

  /** Where the critique of a proof stands in the queue. */
  stateOf(uri: string, key: string): 'running' | 'queued' | undefined {
    const id = jobId(uri, key);
    return this.running.has(id) ? 'running' : this.queued.has(id) ? 'queued' : undefined;
  }

  /** The document was saved: with trigger `onSave`, its changed proofs are critiqued. */
  saved(uri: string): void {
    if (this.context.settings().critique.trigger === 'onSave') this.enqueueChanged(uri);
  }

  /** The document changed (`line`: where): stale work stops; with trigger `onIdle`, a pause critiques. */
  changed(uri: string, line: number | undefined): void {
    if (line !== undefined) this.lastEdit.set(uri, line);
    const proofs = this.context.proofs(uri);
    for (const running of this.running.values()) {
      if (running.job.uri !== uri) continue;
      const now = proofs.find((p) => p.key === running.job.key);
      if (!now || now.hash !== running.hash) running.abort.abort();
    }
    clearTimeout(this.idleTimers.get(uri));
    if (this.context.settings().critique.trigger === 'onIdle') {
      this.idleTimers.set(uri, setTimeout(() => this.enqueueChanged(uri, this.lastEdit.get(uri)), IDLE_DELAY_MS));
    }
  }

  /** The document was closed: its timers, queued jobs (their waiters are told) and running critiques end. */
  closed(uri: string): void {
    clearTimeout(this.idleTimers.get(uri));
    this.idleTimers.delete(uri);
    this.lastEdit.delete(uri);
    for (const [id, job] of this.queued) {
      if (job.uri !== uri) continue;
      this.queued.delete(id);
      for (const waiter of job.waiters) waiter.reject(new ResponseError(LSPErrorCodes.RequestCancelled, 'The document was closed.'));
    }
    for (const running of this.running.values()) if (running.job.uri === uri) running.abort.abort();
  }

  /**
   * Critiques `proofs` of `uri` now, changed or not, and resolves with each outcome (in their order);
   * rejects with RequestCancelled when `cancelled` aborts (a critique nobody else waits for then stops).
   */
  critiqueNow(uri: string, proofs: readonly ProofNow[], cancelled: AbortSignal): Promise<CritiqueDone[]> {
    const results = proofs.map(
      (proof) =>
        new Promise<CritiqueDone>((resolve, reject) => {
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
    return Promise.all(results);
  }

  /** Queues the proofs of `uri` whose text changed since their last critique (not the one holding `skipLine`). */
  private enqueueChanged(uri: string, skipLine?: number): void {
    const proofs = this.context.proofs(uri);
    if (proofs.length === 0) return;
    if (!this.context.modelLoaded()) {
      if (!this.waiting) this.context.client.log('QED-Nano critiques once a model is loaded (QED-Nano: Load Model); until then, structural checks only.');
      this.waiting = true;
      this.context.waitForModel('Critiques wait for a model: click to load it.');
      this.context.client.refreshLenses();
      return;
    }
    this.waiting = false;
    for (const proof of proofs) {
      const range = proof.statement.proof!.range;
      if (skipLine !== undefined && range.start.line <= skipLine && skipLine <= range.end.line) continue;
      if (this.context.findings.judgementOf(uri, proof.key)?.hash !== proof.hash) this.enqueue(uri, proof.key);
    }
    this.pump(false);
  }

  private enqueue(uri: string, key: string): Job {
    const id = jobId(uri, key);
    let job = this.queued.get(id);
    if (!job) this.queued.set(id, (job = { uri, key, waiters: [] }));
    this.context.client.refreshLenses();
    return job;
  }

  /** How many critiques may run at once: one on the local model (they run in the background, beside the
   * user's own work); with the remote engine, as many as its endpoints take. */
  private concurrency(): number {
    const { engine, remote } = this.context.settings();
    return engine === 'remote' ? Math.max(1, remote.endpoints.length * remote.maxConcurrency) : 1;
  }

  /** Starts queued critiques while fewer than `concurrency` run. `explicit`: a request asked, so the model
   * may be loaded. */
  private pump(explicit: boolean): void {
    while (this.running.size < this.concurrency()) {
      const next = this.queued.values().next();
      if (next.done) return;
      const job = next.value;
      if (!explicit && job.waiters.length === 0 && !this.context.modelLoaded()) return;
      const id = jobId(job.uri, job.key);
      this.queued.delete(id);
      const proof = this.context.proofs(job.uri).find((p) => p.key === job.key);
      if (!proof) {
        for (const waiter of job.waiters) waiter.reject(new ResponseError(LSPErrorCodes.RequestFailed, 'That proof is no longer in the document.'));
        continue;
      }
      const abort = new AbortController();
      this.running.set(id, { job, hash: proof.hash, abort });
      this.context.client.refreshLenses();
      void this.run(job, proof, abort).finally(() => {
        this.running.delete(id);
        this.context.client.refreshLenses();
        this.pump(false);
      });
    }
  }

  private async run(job: Job, proof: ProofNow, abort: AbortController): Promise<void> {
    const settings = this.context.settings();
    const { document, analysis } = this.context.current(job.uri)!;
    const problem = statementProblem(analysis, proof.statement, (range) => document.getText(range));
    // The status-bar progress is a courtesy: a client that refuses it does not stop the critique.
    const progress = await this.context.client.startProgress(`QED-Nano: critiquing ${proof.statement.title}`).catch((): ProgressReporter => ({
      report: () => {},
      cancelled: new AbortController().signal,
      done: () => {},
    }));
    const onCancel = (): void => abort.abort();
    progress.cancelled.addEventListener('abort', onCancel, { once: true });
    try {
      const outcome = await critiqueProof(
        { problem, steps: proof.steps.map((s) => s.text) },
        this.context.generate,
        { depth: settings.critique.depth, thinkingBudget: settings.critique.thinkingBudget, maxTokens: settings.generation.maxTokens },
        abort.signal,
      );
      if (outcome === 'preempted') {
        // Interactive work took the model: run again later, after whatever is queued now.
        this.enqueue(job.uri, job.key).waiters.push(...job.waiters);
        return;
      }
      if (outcome === 'cancelled') {
        // The text changed (a newer job follows, if the trigger wants one) or the request was cancelled.
        for (const waiter of job.waiters) waiter.reject(new ResponseError(LSPErrorCodes.RequestCancelled, 'The proof changed while it was critiqued.'));
        return;
      }
      this.context.findings.record(job.uri, proof, outcome);
      this.context.publishFindings(job.uri);
      for (const waiter of job.waiters) waiter.resolve({ ...outcome, proof });
    } catch (error) {
      this.context.client.log(`The critique of ${proof.statement.title} failed: ${error instanceof Error ? error.message : String(error)}`);
      for (const waiter of job.waiters) waiter.reject(error);
    } finally {
      progress.cancelled.removeEventListener('abort', onCancel);
      progress.done();
    }
  }
}

function jobId(uri: string, key: string): string {
  return `${uri}\n${key}`;
}
