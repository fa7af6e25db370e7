/**
 * `workspace/executeCommand`: the commands the server runs itself (SERVER_COMMANDS), so that an editor with
 * no QED-Nano code of its own (Emacs with eglot, Neovim) can prove, critique, suggest the next step, refine
 * and dismiss with a keystroke. What the model wrote goes into the document with `workspace/applyEdit`,
 * versioned (a document edited meanwhile refuses it); the user reads what happened in a `window/showMessage`
 * (the proof's text too); a long run shows work-done progress (`$/progress`) where the client offers it,
 * cancellable there. A command whose arguments are not what ServerCommandArguments says is refused with
 * InvalidParams.
 */
import { CancellationTokenSource, ErrorCodes, ResponseError, type CancellationToken, type ExecuteCommandParams, type Position, type TextDocumentEdit } from 'vscode-languageserver';
import type { ServerSnapshot } from '../context';
import { SERVER_COMMANDS, type CritiqueResult, type GenerationProgress, type ProveResult, type RefineParams, type RefineResult } from '../protocol';
import { nextStepAt } from './completion';
import { critique, dismissFinding } from './critique';
import { refine } from './codeActions';
import { prove } from './prove';
import { cancellationSignal, throwIfCancelled, toResponseError } from './requests';

/** Every command the server runs, as its `executeCommandProvider` names them. */
export const SERVER_COMMAND_IDS: string[] = Object.values(SERVER_COMMANDS);

export async function executeCommand(context: ServerSnapshot, params: ExecuteCommandParams, token: CancellationToken): Promise<ProveResult | CritiqueResult | RefineResult | string | null> {
  const args = params.arguments ?? [];
  switch (params.command) {
    case SERVER_COMMANDS.dismissFinding: {
      const [uri, stepText] = args;
      if (typeof uri !== 'string' || typeof stepText !== 'string') throw invalid(params.command, '[uri, stepText]');
      dismissFinding(context, uri, stepText);
      return null;
    }
    case SERVER_COMMANDS.refine: {
      const [refineParams] = args as [RefineParams | undefined];
      if (!refineParams?.textDocument || !refineParams.range || typeof refineParams.text !== 'string') throw invalid(params.command, '[RefineParams]');
      return withProgress(context, refineParams.whole ? 'QED-Nano: refining the proof' : 'QED-Nano: refining the step', token, (progressToken, report) =>
        refineAndApply(context, refineParams, progressToken, report),
      );
    }
    case SERVER_COMMANDS.prove:
    case SERVER_COMMANDS.critique:
    case SERVER_COMMANDS.suggestNextStep: {
      const [uri, position] = args as [unknown, Position | undefined];
      if (typeof uri !== 'string' || typeof position?.line !== 'number' || typeof position.character !== 'number') throw invalid(params.command, '[uri, position]');
      if (params.command === SERVER_COMMANDS.prove) return withProgress(context, 'QED-Nano: proving', token, (t, report) => proveAndInsert(context, uri, position, t, report));
      if (params.command === SERVER_COMMANDS.critique) return withProgress(context, 'QED-Nano: critiquing', token, (t) => critiqueAndTell(context, uri, position, t));
      return withProgress(context, 'QED-Nano: the next step', token, (t) => suggestAndInsert(context, uri, position, t));
    }
    default:
      throw new ResponseError(ErrorCodes.InvalidParams, `QED-Nano's server has no command ${params.command}.`);
  }
}

function invalid(command: string, expected: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, `${command} takes ${expected}.`);
}

/** What a run reports while it goes: a line of text for the progress's message. */
type Report = (message: string) => void;

/**
 * Runs `work` under work-done progress titled `title` where the client shows progress (a silent reporter
 * otherwise), cancelled by the request's cancellation or by the user in the progress. The token `work` gets
 * fires on either.
 */
async function withProgress<R>(context: ServerSnapshot, title: string, token: CancellationToken, work: (token: CancellationToken, report: Report) => Promise<R>): Promise<R> {
  const progress = context.client.support.showsProgress ? await context.client.startProgress(title) : undefined;
  const either = new CancellationTokenSource();
  const cancel = (): void => either.cancel();
  if (token.isCancellationRequested) cancel();
  const listening = token.onCancellationRequested(cancel);
  progress?.cancelled.addEventListener('abort', cancel, { once: true });
  try {
    return await work(either.token, (message) => progress?.report(0, message));
  } finally {
    progress?.cancelled.removeEventListener('abort', cancel);
    listening.dispose();
    either.dispose();
    progress?.done();
  }
}

/** The progress message for a generation's stream: how far the thinking is, then that the proof is being
 * written. */
function generationReporter(report: Report, what: string): { report(value: GenerationProgress): void } {
  let writing = false;
  return {
    report: (value) => {
      if (value.kind === 'thinking' && value.thinkingTokens !== undefined) report(`thinking (${value.thinkingTokens} tokens)`);
      else if (value.kind === 'answer' && !writing) {
        writing = true;
        report(`writing ${what}`);
      }
    },
  };
}

/** Proves the statement at `position`, inserts the proof after it and shows its text. */
async function proveAndInsert(context: ServerSnapshot, uri: string, position: Position, token: CancellationToken, report: Report): Promise<ProveResult> {
  const result = await prove(context, { textDocument: { uri }, position }, token, generationReporter(report, 'the proof'));
  if (!result.proof) {
    context.client.inform(`QED-Nano wrote no proof of "${oneLine(result.statement)}" (it stopped: ${result.stopReason}).`);
    return result;
  }
  const inserted = result.insertion ? await apply(context, 'QED-Nano: insert the proof', uri, result.insertion) : false;
  context.client.inform(
    `${inserted ? "QED-Nano's proof, inserted after the statement" : "QED-Nano's proof (not inserted: the document changed, or this editor does not apply the server's edits)"}:\n${result.proof}`,
  );
  return result;
}

/** Critiques the proof at `position` now; the findings come as diagnostics, the score as a message. */
async function critiqueAndTell(context: ServerSnapshot, uri: string, position: Position, token: CancellationToken): Promise<CritiqueResult> {
  const result = await critique(context, { textDocument: { uri }, position }, token);
  for (const proof of result.proofs) {
    context.client.inform(
      `QED-Nano's critique of ${proof.title}: ${proof.score} (${proof.findings === 0 ? 'no step flagged' : `${proof.findings} ${proof.findings === 1 ? 'finding' : 'findings'}, shown as diagnostics`}).`,
    );
  }
  return result;
}

/** Writes the rest of the step at `position` and inserts it there. */
async function suggestAndInsert(context: ServerSnapshot, uri: string, position: Position, token: CancellationToken): Promise<string | null> {
  const cancelled = cancellationSignal(token);
  const version = context.snapshot(uri)?.version;
  try {
    const text = await nextStepAt(context, uri, position, cancelled);
    throwIfCancelled(cancelled, 'The next step was cancelled.');
    if (!text || version === undefined) {
      context.client.inform(version === undefined ? `${uri} is not an open LaTeX or Markdown document.` : 'QED-Nano has no next step here: the cursor is not inside a proof, or the model wrote nothing.');
      return null;
    }
    const inserted = await apply(context, 'QED-Nano: the next step', uri, { version, range: { start: position, end: position }, newText: text });
    if (!inserted) context.client.inform(`QED-Nano's next step (not inserted): ${text}`);
    return text;
  } catch (error) {
    throw toResponseError(error);
  }
}

/** Refines a step or a proof and applies the edit (a quick fix for a client that cannot resolve one). */
async function refineAndApply(context: ServerSnapshot, params: RefineParams, token: CancellationToken, report: Report): Promise<RefineResult> {
  const result = await refine(context, params, token, generationReporter(report, params.whole ? 'the proof' : 'the step'));
  const applied = await apply(context, params.whole ? 'QED-Nano: refine the proof' : 'QED-Nano: refine the step', params.textDocument.uri, result.edit);
  if (!applied) context.client.inform(`QED-Nano's refinement (not applied: the document changed, or this editor does not apply the server's edits):\n${result.after}`);
  return result;
}

/** Applies one versioned edit through the client; whether it was applied. */
async function apply(context: ServerSnapshot, label: string, uri: string, edit: { version: number; range: TextDocumentEdit['edits'][number]['range']; newText: string }): Promise<boolean> {
  const change: TextDocumentEdit = { textDocument: { uri, version: edit.version }, edits: [{ range: edit.range, newText: edit.newText }] };
  return context.client.applyEdit(label, { documentChanges: [change] });
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}
