/**
 * "QED-Nano: Critique Proof" (the proof at the cursor, or the one a CodeLens names) and "Critique All
 * Proofs in File": `qed/critique`, with a cancellable notification while it runs and one line when it is
 * done. Critiques on save or on idle need no command: the server runs them and the status bar shows them.
 */
import * as vscode from 'vscode';
import type { CritiqueParams, CritiqueResult } from '../../server/src/protocol';
import { CLIENT_COMMANDS } from '../../server/src/wireNames';
import type { QedNanoClient } from './languageClient';

export function registerCritiqueCommands(client: () => Promise<QedNanoClient>): vscode.Disposable[] {
  const critique = async (params: CritiqueParams): Promise<CritiqueResult | undefined> => {
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'QED-Nano: critiquing', cancellable: true },
        async (_progress, token) => (await client()).critique(params, token),
      );
      void vscode.window.setStatusBarMessage(`QED-Nano: ${summary(result)}`, 8000);
      return result;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!/cancel/i.test(message)) void vscode.window.showErrorMessage(`QED-Nano: ${message}`);
      return undefined;
    }
  };
  const activeDocument = (): vscode.TextEditor | undefined => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) void vscode.window.showInformationMessage('QED-Nano: open a LaTeX or Markdown file with a proof to critique.');
    return editor;
  };
  return [
    vscode.commands.registerCommand(CLIENT_COMMANDS.critique, async (uri?: string, position?: { line: number; character: number }) => {
      if (uri && position) return critique({ textDocument: { uri }, position });
      const editor = activeDocument();
      const active = editor?.selection.active;
      return editor && active ? critique({ textDocument: { uri: editor.document.uri.toString() }, position: { line: active.line, character: active.character } }) : undefined;
    }),
    vscode.commands.registerCommand('qedNano.critiqueAll', async () => {
      const editor = activeDocument();
      return editor ? critique({ textDocument: { uri: editor.document.uri.toString() } }) : undefined;
    }),
  ];
}

function summary(result: CritiqueResult): string {
  return result.proofs
    .map((p) => `${p.title}: ${p.score === 1 && p.findings === 0 ? 'no issues' : `${p.score} · ${p.findings} ${p.findings === 1 ? 'issue' : 'issues'}`}`)
    .join('; ');
}
