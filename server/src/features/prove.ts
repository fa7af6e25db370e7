/**
 * `qed/prove` (see protocol.ts), the LSP adapter of the proof runner (workspace/prove.ts: single pass, deep,
 * the reasoning cache, and Continue): finds the statement at a position or in a selection, streams the run's
 * progress as partial results, and maps the outcome (with the edit that inserts the proof) and errors onto
 * the wire.
 */
import { LSPErrorCodes, ResponseError, type CancellationToken, type ResultProgressReporter } from 'vscode-languageserver';
import type { ServerSnapshot } from '../context';
import { proofInsertion } from '../documents/insertion';
import { clean } from '../documents/queries';
import type { GenerationProgress, ProofInsertionParams, ProveMode, ProveParams, ProveResult } from '../protocol';
import { modeOf, runProof, type ProofRequest } from '../workspace/prove';
import type { DocumentSnapshot } from '../workspace/snapshot';
import { cancellationSignal, throwIfCancelled, toResponseError } from './requests';
import { ProgressBatcher } from './streaming';

export async function prove(context: ServerSnapshot, params: ProveParams, token: CancellationToken, stream: ResultProgressReporter<GenerationProgress> | undefined): Promise<ProveResult> {
  const uri = params.textDocument.uri;
  const settings = context.settings();
  const generate = context.generate;
  const now = context.snapshot(uri);
  if (!now) throw new ResponseError(LSPErrorCodes.RequestFailed, `${params.textDocument.uri} is not an open LaTeX or Markdown document.`);
  const { document } = now;
  const selection = params.range && document.offsetAt(params.range.start) < document.offsetAt(params.range.end) ? params.range : undefined;
  const found = selection ? undefined : params.position && now.statementAt(params.position);
  const statementText = selection ? clean(now.text(selection)) : found ? clean(now.text(found.bodyRange)) : '';
  if (!statementText) {
    throw new ResponseError(LSPErrorCodes.RequestFailed, 'Put the cursor in a theorem, lemma or problem, or select the statement to prove.');
  }
  const before = selection?.start ?? found!.range.start;
  const problem = now.problemOfText(statementText, before);

  const cancelled = cancellationSignal(token);
  throwIfCancelled(cancelled, 'The proof was cancelled.');
  const batcher = new ProgressBatcher(stream);
  batcher.push({ kind: 'started', statement: statementText, macros: now.katexMacros() });
  /** The result of any mode: its fields, with the statement and the edit that inserts its proof (if any). */
  const finished = (fields: Omit<ProveResult, 'statement' | 'insertion'>): ProveResult => {
    const insertion = fields.proof ? insertionNow(context.snapshot(uri), statementText, fields.proof) : undefined;
    return { ...(insertion ? { insertion } : {}), statement: statementText, ...fields };
  };
  try {
    const request: ProofRequest = { problem, ...(params.mode ? { mode: params.mode } : {}), ...(params.continueFrom ? { continueFrom: params.continueFrom } : {}) };
    const outcome = await runProof(request, generate, settings, { progress: (value) => batcher.push(value), chunk: batcher.pushChunk }, cancelled);
    batcher.flush();
    throwIfCancelled(cancelled, CANCELLED[modeOf(request)]);
    return finished(outcome);
  } catch (error) {
    throw toResponseError(error);
  }
}

/** What a cancelled proof's error says, by mode (what the panel keeps of it). */
const CANCELLED: Record<ProveMode, string> = {
  single: 'The proof was cancelled.',
  deep: 'The proof was cancelled; the best proof so far stays in the panel.',
  rc: 'The proof was cancelled; the last proof so far stays in the panel.',
};

/** `qed/proofInsertion`. */
export function proofInsertionNow(context: ServerSnapshot, params: ProofInsertionParams): ProveResult['insertion'] | null {
  return insertionNow(context.snapshot(params.textDocument.uri), params.statement, params.proof, params.position) ?? null;
}

/** The insertion edit against the document as it is now, after the statement that was proved (found by its
 * text; else, when a position is given, the statement there). */
function insertionNow(now: DocumentSnapshot | undefined, statementText: string, proof: string, position?: ProofInsertionParams['position']): ProveResult['insertion'] {
  if (!now) return undefined;
  const statement = now.statementWithText(statementText) ?? (position ? now.statementAt(position) : undefined);
  if (!statement) return undefined;
  const edit = proofInsertion(now.document, now.analysis, statement, proof);
  return { version: now.document.version, range: edit.range, newText: edit.newText };
}
