/**
 * The critiques' findings: the last judgement of each proof of each document, and what they mean for the
 * document as it is now. A proof is known by its statement's key (its label, else its text and rank among
 * equal texts: documents/queries.ts) and judged by a hash of its statement and steps; after an edit, a finding stays only on a step whose text is
 * unchanged (it follows that step wherever it is now), and a dismissed step's findings are hidden (and
 * counted). What chat and refine read (critiqueOf) and what the diagnostics and lenses show come from here.
 * No LSP, no model: judgements in, placed findings out (features/diagnostics.ts makes them diagnostics).
 */
import type { Statement } from '../documents/proofDocument';
import type { Critique } from '../tasks/critique';
import type { ProofNow } from './proofs';

/** The last critique of a proof. */
export interface Judgement {
  hash: string;
  stepTexts: string[];
  critique: Critique;
  at: number;
}

/** A finding placed on a step of the proof as it is now. */
export interface PlacedFinding {
  finding: Critique['findings'][number];
  step: ProofNow['steps'][number];
}

/** Steps whose findings the user set aside (storage/dismissals.ts is one). */
export interface Dismissals {
  has(stepText: string): boolean;
}

export class CritiqueFindings {
  private readonly judged = new Map<string, Map<string, Judgement>>();

  constructor(private readonly dismissed: Dismissals) {}

  /** Keeps `critique` as the judgement of `proof` (as it was when critiqued) in document `uri`. */
  record(uri: string, proof: ProofNow, critique: Critique): void {
    let judged = this.judged.get(uri);
    if (!judged) this.judged.set(uri, (judged = new Map()));
    judged.set(proof.key, { hash: proof.hash, stepTexts: proof.steps.map((s) => s.text), critique, at: Date.now() });
  }

  /** The last judgement of the proof known as `key`, current or not. */
  judgementOf(uri: string, key: string): Judgement | undefined {
    return this.judged.get(uri)?.get(key);
  }

  /** The last critique of the proof, if its text has not changed since. */
  critiqueOf(uri: string, proof: ProofNow): Critique | undefined {
    const judgement = this.judgementOf(uri, proof.key);
    return judgement?.hash === proof.hash ? judgement.critique : undefined;
  }

  /** The findings shown on the proofs of document `uri`, which are now `proofs`, each with its statement. */
  shown(uri: string, proofs: readonly ProofNow[]): (PlacedFinding & { statement: Statement })[] {
    return proofs.flatMap((proof) => {
      const judgement = this.judgementOf(uri, proof.key);
      return judgement ? this.placed(proof, judgement).shown.map((placed) => ({ ...placed, statement: proof.statement })) : [];
    });
  }

  /** A judgement's findings on the proof's steps as they are now: those shown, and how many were dismissed
   * (a finding whose step is gone is neither). */
  placed(proof: ProofNow, judgement: Judgement): { shown: PlacedFinding[]; dismissed: number } {
    const taken = new Set<number>();
    const shown: PlacedFinding[] = [];
    let dismissed = 0;
    for (const finding of judgement.critique.findings) {
      const at = judgement.hash === proof.hash ? finding.step - 1 : sameTextStep(proof, judgement.stepTexts[finding.step - 1], taken);
      const step = at === undefined ? undefined : proof.steps[at];
      if (!step) continue;
      if (this.dismissed.has(step.text)) {
        dismissed++;
        continue;
      }
      taken.add(at!);
      shown.push({ finding, step });
    }
    return { shown, dismissed };
  }
}

/** The index of the first step (not yet taken) whose text is `text`. */
function sameTextStep(proof: ProofNow, text: string | undefined, taken: ReadonlySet<number>): number | undefined {
  if (text === undefined) return undefined;
  const at = proof.steps.findIndex((step, i) => !taken.has(i) && step.text === text);
  return at < 0 ? undefined : at;
}

