/**
 * When proofs are critiqued without being asked (`qedNano.critique.trigger`): on save, or after a pause in
 * typing (`onIdle`, which leaves alone the proof being typed in), and only the proofs whose text changed
 * since their last critique. Background critiques wait for a loaded model (they never start a 2.5 GB
 * download on save): until one is loaded, the lenses and the model's status say so.
 */
import type { CritiqueHost, CritiqueQueue } from './critiqueQueue';

/** After this long without an edit, the `onIdle` trigger critiques the proofs that changed. */
const IDLE_DELAY_MS = 3000;

/** What the triggers need of the server: the queue's host, and a way to say that critiques wait for a model
 * (the model's status says so, in these words). */
export type CritiqueTriggersHost = Pick<CritiqueHost, 'snapshot' | 'settings' | 'modelLoaded' | 'findings' | 'refreshLenses' | 'log'> & { waitForModel(why: string): void };

export class CritiqueTriggers {
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  /** Where the last edit of each document was. */
  private readonly lastEdit = new Map<string, number>();
  private waiting = false;

  constructor(
    private readonly host: CritiqueTriggersHost,
    private readonly queue: CritiqueQueue,
  ) {}

  /** Whether a background critique was skipped for want of a model (the lens says so). */
  get waitingForModel(): boolean {
    return this.waiting;
  }

  /** The document was saved: with trigger `onSave`, its changed proofs are critiqued. */
  saved(uri: string): void {
    if (this.host.settings().critique.trigger === 'onSave') this.critiqueChanged(uri);
  }

  /** The document changed (`line`: where): stale critiques stop; with trigger `onIdle`, a pause critiques. */
  changed(uri: string, line: number | undefined): void {
    if (line !== undefined) this.lastEdit.set(uri, line);
    this.queue.stopStale(uri);
    clearTimeout(this.idleTimers.get(uri));
    if (this.host.settings().critique.trigger === 'onIdle') {
      this.idleTimers.set(uri, setTimeout(() => this.critiqueChanged(uri, this.lastEdit.get(uri)), IDLE_DELAY_MS));
    }
  }

  /** The document was closed: its timers go, and its critiques (queue.closed). */
  closed(uri: string): void {
    clearTimeout(this.idleTimers.get(uri));
    this.idleTimers.delete(uri);
    this.lastEdit.delete(uri);
    this.queue.closed(uri);
  }

  /** Queues the proofs of `uri` whose text changed since their last critique (not the one holding `skipLine`). */
  private critiqueChanged(uri: string, skipLine?: number): void {
    const proofs = this.host.snapshot(uri)?.proofs() ?? [];
    if (proofs.length === 0) return;
    if (!this.host.modelLoaded()) {
      if (!this.waiting) this.host.log('QED-Nano critiques once a model is loaded (QED-Nano: Load Model); until then, structural checks only.');
      this.waiting = true;
      this.host.waitForModel('Critiques wait for a model: click to load it.');
      this.host.refreshLenses();
      return;
    }
    this.waiting = false;
    const changed = proofs.filter((proof) => {
      const range = proof.statement.proof!.range;
      const typedIn = skipLine !== undefined && range.start.line <= skipLine && skipLine <= range.end.line;
      return !typedIn && this.host.findings.judgementOf(uri, proof.key)?.hash !== proof.hash;
    });
    this.queue.critiqueLater(uri, changed);
  }
}
