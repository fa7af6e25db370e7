/**
 * When each open document's diagnostics are published: after a pause in its edits (a burst of keystrokes
 * publishes once), at once when it opens or the settings that shape analysis change, and when what other
 * files see changed (then only a document whose analysis is not the one last published is sent again).
 * A document's diagnostics are the union of its structural findings and its critique's findings
 * (features/diagnostics.ts makes both); the critique's part is also replaced on its own when its findings
 * change (`publishFindings`).
 */
import type { Diagnostic } from 'vscode-languageserver';
import type { DocumentStore } from './documentStore';
import { isPackage } from './documents/formats';
import { critiqueDiagnostics, DiagnosticsPublisher, structuralDiagnostics } from './features/diagnostics';
import { CRITIQUE_DIAGNOSTIC_SOURCE, STRUCTURE_DIAGNOSTIC_SOURCE } from './protocol';
import type { CritiqueFindings } from './workspace/critiqueFindings';

/** Diagnostics are published this long after the last edit, so a burst of keystrokes publishes once. */
export const DIAGNOSTICS_DELAY_MS = 50;

export class DiagnosticsScheduler {
  private readonly publisher: DiagnosticsPublisher;
  /** Diagnostics to publish: `always` unless only the project changed. */
  private readonly pending = new Map<string, { timer: NodeJS.Timeout; always: boolean }>();
  /** The analysis each open document's structural diagnostics were last published from. */
  private readonly publishedAnalysis = new Map<string, object>();

  /** `findings`: the critique's (undefined before `initialize`); `send` publishes one document's diagnostics. */
  constructor(
    private readonly store: DocumentStore,
    private readonly findings: () => CritiqueFindings | undefined,
    send: (uri: string, diagnostics: Diagnostic[], version: number | undefined) => void,
  ) {
    this.publisher = new DiagnosticsPublisher(send);
  }

  /** Publishes `uri`'s diagnostics after `delayMs`; `always` false: only if its analysis changed since they
   * were last published (its project changed, perhaps not in a way that concerns it). */
  schedule(uri: string, delayMs: number, always = true): void {
    const pending = this.pending.get(uri);
    clearTimeout(pending?.timer);
    this.pending.set(uri, {
      always: always || pending?.always === true,
      timer: setTimeout(() => this.publish(uri), delayMs),
    });
  }

  /** Every open document's, after `delayMs` (see `schedule`). */
  scheduleAll(delayMs: number, always = true): void {
    for (const document of this.store.documents.all()) this.schedule(document.uri, delayMs, always);
  }

  /** Publishes the critique's part of `uri`'s diagnostics now, as `findings` place them on its text now. */
  publishFindings(uri: string, findings: CritiqueFindings): void {
    const snapshot = this.store.snapshot(uri);
    const shown = snapshot ? findings.shown(uri, snapshot.proofs()) : [];
    this.publisher.set(uri, { [CRITIQUE_DIAGNOSTIC_SOURCE]: critiqueDiagnostics(uri, shown) }, this.store.documents.get(uri)?.version);
  }

  /** The document was closed: nothing more is published for it, and its diagnostics are cleared. */
  closed(uri: string): void {
    clearTimeout(this.pending.get(uri)?.timer);
    this.pending.delete(uri);
    this.publishedAnalysis.delete(uri);
    this.publisher.clear(uri);
  }

  private publish(uri: string): void {
    const { always } = this.pending.get(uri)!;
    this.pending.delete(uri);
    const snapshot = this.store.snapshot(uri);
    if (!snapshot || (!always && this.publishedAnalysis.get(uri) === snapshot.analysis)) return;
    this.publishedAnalysis.set(uri, snapshot.analysis);
    const findings = this.findings();
    // The critique's findings follow their steps' text: an edited step's findings go at once.
    this.publisher.set(
      uri,
      {
        [STRUCTURE_DIAGNOSTIC_SOURCE]: isPackage(uri) ? [] : structuralDiagnostics(snapshot.analysis, uri),
        [CRITIQUE_DIAGNOSTIC_SOURCE]: findings ? critiqueDiagnostics(uri, findings.shown(uri, snapshot.proofs())) : [],
      },
      snapshot.version,
    );
  }
}
