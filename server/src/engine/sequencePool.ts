/**
 * Owns the context's sequences and decides who generates on which.
 *  - A free sequence is given to the waiting request with the highest priority (interactive first, then
 *    first come), and among free sequences the one whose cached tokens share the longest prefix with the
 *    request's prompt (so its KV cache is reused). A background request keeps off the sequences whose last
 *    holder was interactive while another one is free: the user's next completion or chat turn mostly
 *    shares that prompt, and re-evaluating it is latency the user waits for (a background reply's prompt
 *    is evaluated where nobody waits on each token).
 *  - When every sequence is busy, an interactive request pre-empts a background one: that request is
 *    told (its `preempted` signal fires) and the sequence passes on as soon as it lets go.
 *  - While an interactive request holds a sequence, background ones wait between their tokens
 *    (`Lease.yieldToInteractive`): with several sequences they would otherwise share every batch with it.
 */
import type { Priority } from './types';

export interface PooledSequence {
  /** Index of the first token where `tokens` differs from what the sequence holds. */
  sharedPrefixLength(tokens: readonly number[]): number;
}

export interface Lease<S extends PooledSequence> {
  sequence: S;
  /** Fires when an interactive request takes this (background) lease's sequence. */
  preempted: AbortSignal;
  /**
   * A background lease's pause between tokens: resolves at once for an interactive lease or when no
   * interactive request holds a sequence, else when none does any more, or when this lease is pre-empted
   * or `signal` aborts (the caller checks which). Never rejects.
   */
  yieldToInteractive(signal?: AbortSignal): Promise<void>;
  release(): void;
}

interface Slot<S> {
  sequence: S;
  holder: { priority: Priority; preempt: AbortController } | undefined;
  /** The priority of the last request that held this sequence (undefined: never held). */
  lastHeldBy: Priority | undefined;
}

interface Waiter<S extends PooledSequence> {
  priority: Priority;
  tokens: readonly number[];
  grant: (lease: Lease<S>) => void;
}

export class SequencePool<S extends PooledSequence> {
  private readonly slots: Slot<S>[];
  private readonly waiting: Waiter<S>[] = [];
  /** Leases held by interactive requests now. */
  private interactiveHeld = 0;
  /** Background requests waiting for the interactive ones to end. */
  private readonly pausedBackground = new Set<() => void>();

  constructor(sequences: readonly S[]) {
    this.slots = sequences.map((sequence) => ({ sequence, holder: undefined, lastHeldBy: undefined }));
  }

  get size(): number {
    return this.slots.length;
  }

  /** Resolves when no interactive request holds a sequence any more, or when one of `stops` aborts. */
  private interactiveDone(stops: readonly AbortSignal[]): Promise<void> {
    if (this.interactiveHeld === 0 || stops.some((s) => s.aborted)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.pausedBackground.delete(done);
        for (const stop of stops) stop.removeEventListener('abort', done);
        resolve();
      };
      this.pausedBackground.add(done);
      for (const stop of stops) stop.addEventListener('abort', done, { once: true });
    });
  }

  /** Resolves with a lease on a sequence; rejects with the signal's reason if `signal` aborts first. */
  acquire(priority: Priority, tokens: readonly number[], signal?: AbortSignal): Promise<Lease<S>> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) {
          this.waiting.splice(at, 1);
          reject(signal!.reason);
        }
      };
      // Granted, the waiter lets go of the signal (a listener left on it would keep the waiter's prompt).
      const waiter: Waiter<S> = {
        priority,
        tokens,
        grant: (lease) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(lease);
        },
      };
      this.waiting.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.dispatch();
      if (this.waiting.includes(waiter) && priority === 'interactive') this.preemptOneBackground();
    });
  }

  private dispatch(): void {
    for (;;) {
      const free = this.slots.filter((slot) => slot.holder === undefined);
      if (free.length === 0 || this.waiting.length === 0) return;
      const next = this.waiting.find((w) => w.priority === 'interactive') ?? this.waiting[0]!;
      this.waiting.splice(this.waiting.indexOf(next), 1);
      const keptForInteractive = (slot: Slot<S>): boolean => next.priority === 'background' && slot.lastHeldBy === 'interactive';
      const candidates = free.some((slot) => !keptForInteractive(slot)) ? free.filter((slot) => !keptForInteractive(slot)) : free;
      let best = candidates[0]!;
      let bestShared = -1;
      for (const slot of candidates) {
        const shared = slot.sequence.sharedPrefixLength(next.tokens);
        if (shared > bestShared) {
          best = slot;
          bestShared = shared;
        }
      }
      const preempt = new AbortController();
      best.holder = { priority: next.priority, preempt };
      best.lastHeldBy = next.priority;
      if (next.priority === 'interactive') this.interactiveHeld++;
      let released = false;
      next.grant({
        sequence: best.sequence,
        preempted: preempt.signal,
        yieldToInteractive: (signal) =>
          next.priority === 'interactive' ? Promise.resolve() : this.interactiveDone(signal ? [preempt.signal, signal] : [preempt.signal]),
        release: () => {
          if (released) return;
          released = true;
          best.holder = undefined;
          if (next.priority === 'interactive' && --this.interactiveHeld === 0) for (const resume of [...this.pausedBackground]) resume();
          this.dispatch();
        },
      });
    }
  }

  private preemptOneBackground(): void {
    const victim = this.slots.find((slot) => slot.holder?.priority === 'background' && !slot.holder.preempt.signal.aborted);
    victim?.holder?.preempt.abort(new Error('pre-empted by an interactive request'));
  }
}
