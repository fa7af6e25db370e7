/**
 * The precision policy, in one place: every structural rule says how sure it can be, and how sure decides
 * how loud it is. Silence beats a false warning: real books write second proofs, proofs of definitions,
 * external-document references and text inside math, and a warning on correct mathematics is a bug.
 *
 * - `certain`: the source is wrong whatever packages and macros are in force (TeX itself would stop or
 *   print garbage). Only such a finding is an error or a warning.
 * - `likely`: probably worth a look, but it depends on what the analysis cannot see (another file of the
 *   project, what a statement means). Information at most.
 * - `guess`: it depends on guessing what a statement is, what a macro does or what a heading means.
 *   Information, and only when the user asked for guesses (`qedNano.analysis.guesses`).
 *
 * A finding is made only through `finding()`, which takes its severity from the table below; the table's
 * type lets no rule be louder than its certainty allows. docs/precision.md says, per rule, why it is sure.
 */
import type { Certainty, DiagnosticCode, Range, StructuralDiagnostic } from './proofDocument';

/** How a rule is shown at each certainty it can have; a certainty a rule lacks is never reported. */
interface Severities {
  certain?: 'error' | 'warning' | 'information';
  likely?: 'information';
  guess?: 'information';
}

export interface Rule {
  severities: Severities;
  /** One line: what the rule finds (SARIF's rule description). */
  summary: string;
}

/** Every rule, how sure it can be and how it is then shown. */
export const RULES = {
  'unclosed-environment': { severities: { certain: 'error' }, summary: 'An environment (\\begin{...}) is never closed.' },
  'unmatched-end': { severities: { certain: 'error' }, summary: 'An \\end{...} without its \\begin{...}, or closing another environment.' },
  'unclosed-math': { severities: { certain: 'error', likely: 'information' }, summary: 'Math ($, $$, \\(, \\[) that is never closed.' },
  'unmatched-math-close': { severities: { certain: 'error', likely: 'information' }, summary: 'A math closer (\\), \\], $$) with no opener, or closing other math.' },
  'math-mode-conflict': { severities: { certain: 'error' }, summary: 'Math opened inside math that is already open.' },
  'unbalanced-braces-in-math': { severities: { certain: 'warning' }, summary: 'A brace opened in a formula and not closed before it ends.' },
  'undefined-reference': { severities: { certain: 'warning', likely: 'information' }, summary: 'A \\ref to a label that is not defined.' },
  'duplicate-label': { severities: { certain: 'warning' }, summary: 'A label defined more than once in a file or project.' },
  'missing-external-document': { severities: { likely: 'information' }, summary: 'An xr \\externaldocument whose file could not be read.' },
  'unclosed-definition': { severities: { likely: 'information' }, summary: 'A \\newcommand or similar definition whose braces do not close.' },
  'problem-without-proof': { severities: { likely: 'information', guess: 'information' }, summary: 'A problem or exercise with no proof yet.' },
  'proof-without-statement': { severities: { guess: 'information' }, summary: 'A proof that seems to follow no statement (a guess, reported only on request).' },
  'document-too-large': { severities: { certain: 'information' }, summary: 'The document is larger than the analysis limit.' },
  'binary-document': { severities: { certain: 'information' }, summary: 'The file is not text.' },
} as const satisfies Record<DiagnosticCode, Rule>;

/** The certainties `code` can be reported with. */
export type CertaintyOf<C extends DiagnosticCode> = keyof (typeof RULES)[C]['severities'] & Certainty;

/** What the user asked of the policy (settings `qedNano.analysis.*`). */
export interface PrecisionOptions {
  /** Report guesses too (as information). */
  guesses: boolean;
}

/** A finding of `code` at `certainty`, shown as the table says. */
export function finding<C extends DiagnosticCode>(
  code: C,
  certainty: CertaintyOf<C>,
  range: Range,
  message: string,
  related?: StructuralDiagnostic['related'],
): StructuralDiagnostic {
  const severities: Severities = RULES[code].severities;
  return { code, certainty, severity: severities[certainty]!, range, message, ...(related ? { related } : {}) };
}

/** The findings the user sees: guesses only when asked for. */
export function reported(diagnostics: readonly StructuralDiagnostic[], options: PrecisionOptions): StructuralDiagnostic[] {
  return options.guesses ? [...diagnostics] : diagnostics.filter((d) => d.certainty !== 'guess');
}

/** The loudest a rule can be (SARIF's default level for it). */
export function loudest(code: DiagnosticCode): 'error' | 'warning' | 'information' {
  const severities: Severities = RULES[code].severities;
  return severities.certain ?? 'information';
}
