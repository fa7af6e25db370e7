/** Structural findings as LSP diagnostics (`textDocument/publishDiagnostics`). */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { ProofDocumentAnalysis, Severity } from '../documents/model';
import { STRUCTURE_DIAGNOSTIC_SOURCE } from '../protocol';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

export function structuralDiagnostics(analysis: ProofDocumentAnalysis, uri: string): Diagnostic[] {
  return analysis.diagnostics.map((d) => ({
    range: d.range,
    severity: SEVERITY[d.severity],
    code: d.code,
    source: STRUCTURE_DIAGNOSTIC_SOURCE,
    message: d.message,
    ...(d.related
      ? { relatedInformation: d.related.map((r) => ({ location: { uri, range: r.range }, message: r.message })) }
      : {}),
  }));
}
