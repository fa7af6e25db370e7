/** Structural findings and the critique's findings as LSP diagnostics (`textDocument/publishDiagnostics`). */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { ProofDocumentAnalysis, Severity } from '../documents/proofDocument';
import type { FindingKind } from '../prompts/critiquePrompts';
import { CRITIQUE_DIAGNOSTIC_SOURCE, STRUCTURE_DIAGNOSTIC_SOURCE } from '../protocol';
import type { CritiqueFindings } from '../workspace/critiqueFindings';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

/** At most this many findings of a document are published (the first ones, then one that counts the
 * rest): a hostile file with 100,000 of them must not flood the client or the connection. */
export const MAX_DIAGNOSTICS_PER_DOCUMENT = 1000;

const CRITIQUE_SEVERITY: Record<FindingKind, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  gap: DiagnosticSeverity.Warning,
  unclear: DiagnosticSeverity.Information,
};

/** The critique's findings shown on document `uri` (CritiqueFindings.shown), one diagnostic on each step. */
export function critiqueDiagnostics(uri: string, shown: ReturnType<CritiqueFindings['shown']>): Diagnostic[] {
  return shown.map(({ finding, step, statement }) => ({
    range: step.range,
    severity: CRITIQUE_SEVERITY[finding.kind],
    code: finding.kind,
    source: CRITIQUE_DIAGNOSTIC_SOURCE,
    message: finding.explanation,
    relatedInformation: [{ location: { uri, range: statement.headerRange }, message: `the proof of ${statement.title}` }],
  }));
}

export function structuralDiagnostics(analysis: ProofDocumentAnalysis, uri: string): Diagnostic[] {
  const shown = analysis.diagnostics.slice(0, MAX_DIAGNOSTICS_PER_DOCUMENT).map(
    (d): Diagnostic => ({
      range: d.range,
      severity: SEVERITY[d.severity],
      code: d.code,
      source: STRUCTURE_DIAGNOSTIC_SOURCE,
      message: d.message,
      ...(d.related
        ? { relatedInformation: d.related.map((r) => ({ location: { uri: r.uri ?? uri, range: r.range }, message: r.message })) }
        : {}),
    }),
  );
  const hidden = analysis.diagnostics.length - shown.length;
  if (hidden > 0) {
    const last = shown[shown.length - 1]!;
    shown.push({
      range: { start: last.range.start, end: last.range.start },
      severity: DiagnosticSeverity.Information,
      code: 'more-findings',
      source: STRUCTURE_DIAGNOSTIC_SOURCE,
      message: `…and ${hidden.toLocaleString('en')} more structural findings after this one, not listed. Fix the ones above first.`,
    });
  }
  return shown;
}

/**
 * Publishes each document's diagnostics as the union of its sources (structural analysis, QED-Nano's
 * critique): a source replaces only its own part, so neither overwrites the other.
 */
export class DiagnosticsPublisher {
  private readonly bySource = new Map<string, Map<string, Diagnostic[]>>();

  constructor(private readonly publish: (uri: string, diagnostics: Diagnostic[], version: number | undefined) => void) {}

  /** Replaces the diagnostics of the sources in `parts` for `uri`, and publishes the document's union once. */
  set(uri: string, parts: Record<string, Diagnostic[]>, version?: number): void {
    let sources = this.bySource.get(uri);
    if (!sources) this.bySource.set(uri, (sources = new Map()));
    for (const [source, diagnostics] of Object.entries(parts)) sources.set(source, diagnostics);
    this.publish(uri, [...sources.values()].flat(), version);
  }

  /** Forgets the document (it was closed) and publishes it empty. */
  clear(uri: string): void {
    this.bySource.delete(uri);
    this.publish(uri, [], undefined);
  }
}
