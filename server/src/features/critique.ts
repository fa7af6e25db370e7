/**
 * Inline critique on the wire: `qed/critique` (critique now), the critique lens over each proof, and the
 * Dismiss command. The queue that runs critiques is workspace/critiqueQueue.ts; what they found,
 * workspace/critiqueFindings.ts.
 * A lens never says "no issues" while a critique of the current text is queued or running.
 */
import { LSPErrorCodes, ResponseError, type CancellationToken, type CodeLens } from 'vscode-languageserver';
import type { ServerSnapshot } from '../context';
import { CLIENT_COMMANDS, type CritiqueParams, type CritiqueResult } from '../protocol';
import { cancellationSignal, throwIfCancelled, toResponseError } from './requests';

/** `qed/critique`: the proof at `position` (or every proof of the document) critiqued now. */
export async function critique(context: ServerSnapshot, params: CritiqueParams, token: CancellationToken): Promise<CritiqueResult> {
  const uri = params.textDocument.uri;
  const current = context.snapshot(uri);
  if (!current) throw new ResponseError(LSPErrorCodes.RequestFailed, `${uri} is not an open LaTeX or Markdown document.`);
  const proofs = current.proofs();
  const wanted = params.position ? proofs.filter((p) => p.statement === current.statementAt(params.position!)) : proofs;
  if (wanted.length === 0) {
    throw new ResponseError(LSPErrorCodes.RequestFailed, params.position ? 'Put the cursor in a proof (or its statement) to critique it.' : 'This document has no proof to critique.');
  }
  const cancelled = cancellationSignal(token);
  throwIfCancelled(cancelled, 'The critique was cancelled.');
  try {
    const done = await context.critique.queue.critiqueNow(uri, wanted, cancelled);
    return { proofs: done.map((c) => ({ title: c.proof.statement.title, range: c.proof.statement.proof!.range, score: c.score, findings: c.findings.length })) };
  } catch (error) {
    throw toResponseError(error);
  }
}

/** The Dismiss command: hides the findings on a step until its text changes; republishes the document's. */
export function dismissFinding(context: ServerSnapshot, uri: string, stepText: string): void {
  context.dismissed.add(stepText);
  context.client.publishFindings(uri);
  context.client.refreshLenses();
}

/** One lens over each proof: its critique's score and findings, or what is happening to it. */
export function critiqueLenses(context: ServerSnapshot, uri: string): CodeLens[] {
  const { findings: judged, queue, triggers } = context.critique;
  return (context.snapshot(uri)?.proofs() ?? []).map((proof) => {
    const range = proof.statement.proof!.headerRange;
    const again = (title: string): CodeLens => ({ range, command: { title, command: context.lensCommand(CLIENT_COMMANDS.critique), arguments: [uri, range.start] } });
    const state = queue.stateOf(uri, proof.key);
    if (state === 'running') return { range, command: { title: 'QED-Nano: critiquing…', command: '' } };
    if (state === 'queued') return { range, command: { title: 'QED-Nano: critique queued', command: '' } };
    const judgement = judged.judgementOf(uri, proof.key);
    if (!judgement) {
      return triggers.waitingForModel
        ? { range, command: { title: 'QED-Nano: critique waits for a model · Load Model', command: context.lensCommand(CLIENT_COMMANDS.loadModel) } }
        : again('QED-Nano: Critique');
    }
    if (judgement.hash !== proof.hash) return again('QED-Nano: outdated · Critique again');
    const { score, findings } = judgement.critique;
    if (findings.length === 0 && score === 1) return again(`QED-Nano: no issues · ${ago(judgement.at)}`);
    // Dismissed findings are not counted as issues (the user set them aside); the lens says how many.
    const { shown, dismissed } = judged.placed(proof, judgement);
    const issues = findings.length === 0 ? 'no step flagged' : `${shown.length} ${shown.length === 1 ? 'issue' : 'issues'}`;
    return again(`QED-Nano: ${score} · ${issues}${dismissed > 0 ? ` (${dismissed} dismissed)` : ''} · Critique again`);
  });
}

function ago(at: number): string {
  const minutes = Math.round((Date.now() - at) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 24 ? `${hours} h ago` : `${Math.round(hours / 24)} d ago`;
}
