/**
 * The critiques' findings: the last judgement of each proof of each document, and what they mean for the
 * document as it is now. A proof is known by its statement's key (its label, else its text and rank among
 * equal texts: documents/queries.ts) and judged by a hash of its statement and steps; after an edit, a finding stays only on a step whose text is
 * unchanged (it follows that step wherever it is now), and a dismissed step's findings are hidden (and
 * counted). What chat and refine read (critiqueOf) and what the diagnostics and lenses show come from here.
 * No LSP requests, no model: judgements in, placed findings and diagnostics out.
 */
import { createHash } from 'node:crypto';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { OpenDocument } from '../documentStore';
import { comparePositions, type Range, type Statement } from '../documents/proofDocument';
import { statementIdentities } from '../documents/queries';
import type { FindingKind } from '../prompts/critiquePrompts';
import { CRITIQUE_DIAGNOSTIC_SOURCE } from '../protocol';
import type { Critique } from '../tasks/critique';

const SEVERITY: Record<FindingKind, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  gap: DiagnosticSeverity.Warning,
  unclear: DiagnosticSeverity.Information,
};

/** A proof as it is now in its document. */
export interface ProofNow {
  /** The statement's identity (documents/queries.ts statementIdentities): its label, else its text and rank. */
  key: string;
  statement: Statement;
  steps: { range: Range; text: string }[];
  /** The hash of the statement and every step: what a critique is valid for. */
  hash: string;
}

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

  /** The diagnostics of document `uri` whose proofs are now `proofs`. */
  diagnostics(uri: string, proofs: readonly ProofNow[]): Diagnostic[] {
    const diagnostics: Diagnostic[] = [];
    for (const proof of proofs) {
      const judgement = this.judgementOf(uri, proof.key);
      if (!judgement) continue;
      for (const { finding, step } of this.placed(proof, judgement).shown) {
        diagnostics.push({
          range: step.range,
          severity: SEVERITY[finding.kind],
          code: finding.kind,
          source: CRITIQUE_DIAGNOSTIC_SOURCE,
          message: finding.explanation,
          relatedInformation: [{ location: { uri, range: proof.statement.headerRange }, message: `the proof of ${proof.statement.title}` }],
        });
      }
    }
    return diagnostics;
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

/** The proofs of a document as they are now (with steps), with their identities, in document order. */
export function proofsNow({ document, analysis }: OpenDocument): ProofNow[] {
  const text = (range: Range): string => document.getText(range);
  const identities = statementIdentities(analysis, text);
  const proofs: ProofNow[] = [];
  for (const statement of analysis.statements) {
    if (!statement.proof || statement.proof.steps.length === 0) continue;
    const { key, text: statementText } = identities.get(statement)!;
    const steps = statement.proof.steps.map((step) => ({ range: step.range, text: text(step.range) }));
    const hash = createHash('sha256').update(statementText).update('\u0000').update(steps.map((s) => s.text).join('\u0000')).digest('hex');
    proofs.push({ key, statement, steps, hash });
  }
  return proofs.sort((a, b) => comparePositions(a.statement.range.start, b.statement.range.start));
}

/** The proof whose step stands at exactly `range`, with that step's index (a finding's diagnostic range). */
export function stepAt(proofs: readonly ProofNow[], range: Range): { proof: ProofNow; index: number } | undefined {
  for (const proof of proofs) {
    const index = proof.steps.findIndex((s) => sameRange(s.range, range));
    if (index >= 0) return { proof, index };
  }
  return undefined;
}

/** The proof whose body stands at exactly `range`. */
export function proofWithBody(proofs: readonly ProofNow[], range: Range): ProofNow | undefined {
  return proofs.find((p) => sameRange(p.statement.proof!.bodyRange, range));
}

function sameRange(a: Range, b: Range): boolean {
  return comparePositions(a.start, b.start) === 0 && comparePositions(a.end, b.end) === 0;
}

/** The index of the first step (not yet taken) whose text is `text`. */
function sameTextStep(proof: ProofNow, text: string | undefined, taken: ReadonlySet<number>): number | undefined {
  if (text === undefined) return undefined;
  const at = proof.steps.findIndex((step, i) => !taken.has(i) && step.text === text);
  return at < 0 ? undefined : at;
}

