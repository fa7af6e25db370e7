/**
 * The critiques to run and their pump: at most one job per proof (the newest text wins), run in order.
 * When proofs are queued without being asked is critiqueTriggers.ts's; what the critiques found is
 * critiqueFindings.ts's; `qed/critique` and the lenses are features/critique.ts's.
 *
 * Staleness is handled by identity, not by time. A proof is known by its statement's key and judged by a
 * hash of its statement and steps (critiqueFindings.ts): a critique running for text that has changed
 * since is cancelled (`stopStale`).
 * Critiques run one at a time (with the remote engine, as many at once as its endpoints take) at background
 * priority: prove, chat and completions pre-empt them, and a pre-empted critique goes back into the queue.
 * Background critiques wait for a loaded model (they never start a 2.5 GB download on save); an explicit
 * request may load it.
 */
import { CancelledError } from '../errors';
import type { ProgressReporter } from '../model/progress';
import type { QedNanoSettings } from '../protocol';
import { critiqueProof, type Critique } from '../tasks/critique';
import { TaskError } from '../tasks/errors';
import type { Generate } from '../tasks/generate';
import type { CritiqueFindings } from './critiqueFindings';
import type { ProofNow } from './proofs';
import type { DocumentSnapshot } from './snapshot';

/** What the queue needs of the server: the documents as they are now, the model, the settings, the
 * judgements it records, and the client's side (progress, lenses, the findings published, the log). */
export interface CritiqueHost {
  /** The open document `uri` as it is now; undefined when it is not open. */
  snapshot(uri: string): DocumentSnapshot | undefined;
  readonly generate: Generate;
  settings(): QedNanoSettings;
  /** Whether a model is loaded now: background critiques wait until one is. */
  modelLoaded(): boolean;
  readonly findings: CritiqueFindings;
  /** Progress in the client's UI, which the user may cancel. */
  startProgress(title: string): Promise<ProgressReporter>;
  /** The lenses changed (a critique was queued, started or ended). */
  refreshLenses(): void;
  log(message: string): void;
  /** The findings of `uri` changed: they are published as they stand on its text now. */
  publishFindings(uri: string): void;
}

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
  constructor(private readonly host: CritiqueHost) {}

  /** Where the critique of a proof stands in the queue. */
  stateOf(uri: string, key: string): 'running' | 'queued' | undefined {
    const id = jobId(uri, key);
    return this.running.has(id) ? 'running' : this.queued.has(id) ? 'queued' : undefined;
  }

  /** Queues `proofs` of `uri` for the background (a model must be loaded for them to start). */
  critiqueLater(uri: string, proofs: readonly ProofNow[]): void {
    for (const proof of proofs) this.enqueue(uri, proof.key);
    this.pump(false);
  }

  /** Stops the running critiques of `uri` whose proof's text is not what they critique any more. */
  stopStale(uri: string): void {
    // Called on every keystroke: the proofs are worked out only when a critique of this document runs.
    let proofs: readonly ProofNow[] | undefined;
    for (const running of this.running.values()) {
      if (running.job.uri !== uri) continue;
      proofs ??= this.proofs(uri);
      const now = proofs.find((p) => p.key === running.job.key);
      if (!now || now.hash !== running.hash) running.abort.abort();
    }
  }

  /** The document was closed: its queued jobs go (their waiters are told) and its running critiques stop. */
  closed(uri: string): void {
    for (const [id, job] of this.queued) {
      if (job.uri !== uri) continue;
      this.queued.delete(id);
      for (const waiter of job.waiters) waiter.reject(new CancelledError('The document was closed.'));
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
            reject(new CancelledError('The critique was cancelled.'));
            const waiting = job.waiters.filter((w) => w.resolve !== resolve);
            job.waiters.splice(0, job.waiters.length, ...waiting);
            if (waiting.length === 0) this.running.get(jobId(job.uri, job.key))?.abort.abort();
          });
        }),
    );
    this.pump(true);
    return Promise.all(results);
  }

  private enqueue(uri: string, key: string): Job {
    const id = jobId(uri, key);
    let job = this.queued.get(id);
    if (!job) this.queued.set(id, (job = { uri, key, waiters: [] }));
    this.host.refreshLenses();
    return job;
  }

  /** How many critiques may run at once: one on the local model (they run in the background, beside the
   * user's own work); with the remote engine, as many as its endpoints take. */
  private concurrency(): number {
    const { engine, remote } = this.host.settings();
    return engine === 'remote' ? Math.max(1, remote.endpoints.length * remote.maxConcurrency) : 1;
  }

  /** Starts queued critiques while fewer than `concurrency` run. `explicit`: a request asked, so the model
   * may be loaded. */
  private pump(explicit: boolean): void {
    while (this.running.size < this.concurrency()) {
      const next = this.queued.values().next();
      if (next.done) return;
      const job = next.value;
      if (!explicit && job.waiters.length === 0 && !this.host.modelLoaded()) return;
      const id = jobId(job.uri, job.key);
      this.queued.delete(id);
      const proof = this.proofs(job.uri).find((p) => p.key === job.key);
      if (!proof) {
        for (const waiter of job.waiters) waiter.reject(new TaskError('That proof is no longer in the document.'));
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
    const settings = this.host.settings();
    const problem = this.host.snapshot(job.uri)!.problem(proof.statement);
    // The status-bar progress is a courtesy: a client that refuses it does not stop the critique.
    const progress = await this.host.startProgress(`QED-Nano: critiquing ${proof.statement.title}`).catch((): ProgressReporter => ({
      report: () => {},
      cancelled: new AbortController().signal,
      done: () => {},
    }));
    const onCancel = (): void => abort.abort();
    progress.cancelled.addEventListener('abort', onCancel, { once: true });
    try {
      const outcome = await critiqueProof(
        { problem, steps: proof.steps.map((s) => s.text) },
        this.host.generate,
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
        for (const waiter of job.waiters) waiter.reject(new CancelledError('The proof changed while it was critiqued.'));
        return;
      }
      this.host.findings.record(job.uri, proof, outcome);
      this.host.publishFindings(job.uri);
      for (const waiter of job.waiters) waiter.resolve({ ...outcome, proof });
    } catch (error) {
      this.host.log(`The critique of ${proof.statement.title} failed: ${error instanceof Error ? error.message : String(error)}`);
      for (const waiter of job.waiters) waiter.reject(error);
    } finally {
      progress.cancelled.removeEventListener('abort', onCancel);
      progress.done();
    }
  }

  /** The proofs of `uri` as they are now (none when it is not open). */
  private proofs(uri: string): readonly ProofNow[] {
    return this.host.snapshot(uri)?.proofs() ?? [];
  }
}

function jobId(uri: string, key: string): string {
  return `${uri}\n${key}`;
}
