/**
 * "QED-Nano: Critique Proof" (the proof at the cursor, or the one a CodeLens names) and "Critique All
 * Proofs in File": `qed/critique`, with a cancellable notification while it runs and one line when it is
 * done. Critiques on save or on idle need no command: the server runs them and the status bar shows them.
 */
import * as vscode from 'vscode';
import type { CritiqueParams, CritiqueResult } from '../../server/src/protocol';
import type { CommandContext } from './commandContext';

/** Critique Proof: the proof at `uri`/`position` (a lens's arguments), else the one at the cursor. */
export async function critiqueProof(ctx: CommandContext, uri?: string, position?: { line: number; character: number }): Promise<CritiqueResult | undefined> {
  if (uri && position) return critique(ctx, { textDocument: { uri }, position });
  const editor = activeDocument();
  const active = editor?.selection.active;
  return editor && active ? critique(ctx, { textDocument: { uri: editor.document.uri.toString() }, position: { line: active.line, character: active.character } }) : undefined;
}

/** Critique All Proofs in File. */
export async function critiqueAll(ctx: CommandContext): Promise<CritiqueResult | undefined> {
  const editor = activeDocument();
  return editor ? critique(ctx, { textDocument: { uri: editor.document.uri.toString() } }) : undefined;
}

async function critique(ctx: CommandContext, params: CritiqueParams): Promise<CritiqueResult | undefined> {
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'QED-Nano: critiquing', cancellable: true },
      async (_progress, token) => (await ctx.client()).critique(params, token),
    );
    void vscode.window.setStatusBarMessage(`QED-Nano: ${summary(result)}`, 8000);
    return result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!/cancel/i.test(message)) void vscode.window.showErrorMessage(`QED-Nano: ${message}`);
    return undefined;
  }
}

function activeDocument(): vscode.TextEditor | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) void vscode.window.showInformationMessage('QED-Nano: open a LaTeX or Markdown file with a proof to critique.');
  return editor;
}

function summary(result: CritiqueResult): string {
  return result.proofs
    .map((p) => `${p.title}: ${p.score === 1 && p.findings === 0 ? 'no issues' : `${p.score} · ${p.findings} ${p.findings === 1 ? 'issue' : 'issues'}`}`)
    .join('; ');
}
