/**
 * Every command of the extension, in one table (as rust-analyzer's `createCommands`): its id and the
 * function that runs it with the one command context made at activation. Registering the table gives every
 * command the same failure path: an error nobody handled is shown as "QED-Nano: <reason>" with the way to
 * the server's log, never VS Code's bare "command resulted in an error".
 */
import * as vscode from 'vscode';
import type { ProveMode } from '../../server/src/protocol';
import { CLIENT_COMMANDS, CRITIQUE_DIAGNOSTIC_SOURCE } from '../../server/src/wireNames';
import { setApiKey } from './apiKey';
import type { CommandContext } from './commandContext';
import { critiqueAll, critiqueProof } from './critiqueCommands';
import { chooseModelFile, downloadModel, loadModel, showSetupInfo } from './modelCommands';
import { isModelUnavailable } from './proofOutcome';

/** A command: the context, then the arguments VS Code passes (from a lens, a menu or executeCommand), which
 * its own signature declares. */
type Command = (ctx: CommandContext, ...args: never[]) => unknown;

const COMMANDS: Record<string, Command> = {
  [CLIENT_COMMANDS.prove]: proveCommand('single'),
  'qedNano.proveDeep': proveCommand('deep'),
  'qedNano.proveReasoningCache': proveCommand('rc'),
  'qedNano.stopProof': (ctx) => ctx.proofView.stopAll(),
  'qedNano.continueProof': (ctx) => ctx.proofs.continueLast(),
  'qedNano.insertProof': (ctx, options?: { anyway?: boolean }) => ctx.proofs.insert({ anyway: options?.anyway === true }),
  'qedNano.copyProof': (ctx) => ctx.proofView.copy(),
  'qedNano.refineStep': refineStepAtCursor,
  'qedNano.applyRefinement': (ctx) => ctx.refinements.apply(),
  'qedNano.discardRefinement': (ctx) => ctx.refinements.discard(),
  [CLIENT_COMMANDS.critique]: critiqueProof,
  'qedNano.critiqueAll': critiqueAll,
  'qedNano.suggestNextStep': suggestNextStep,
  'qedNano.openChat': (ctx) => ctx.chat.view.reveal(true),
  'qedNano.askInChat': async (ctx, message?: string) => {
    const text = message ?? (await vscode.window.showInputBox({ prompt: 'Ask QED-Nano about the problem at the cursor', placeHolder: 'Give me a hint (no full solution)' }));
    return text ? ctx.chat.ask(text) : undefined;
  },
  [CLIENT_COMMANDS.loadModel]: loadModel,
  'qedNano.downloadModel': downloadModel,
  'qedNano.chooseModelFile': chooseModelFile,
  'qedNano.showSetupInfo': showSetupInfo,
  'qedNano.setApiKey': setApiKey,
  'qedNano.showServerOutput': (ctx) => ctx.output.show(true),
  'qedNano.restartServer': async (ctx) => {
    ctx.output.info('Restarting the QED-Nano language server on request.');
    await (await ctx.client()).restart();
  },
  'qedNano.openExample': openExample,
};

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, command]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await (command as (ctx: CommandContext, ...args: unknown[]) => unknown)(ctx, ...args);
      } catch (error) {
        ctx.output.error(`${id} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        const choice = await vscode.window.showErrorMessage(`QED-Nano: ${error instanceof Error ? error.message : String(error)}`, 'Show Server Output');
        if (choice) ctx.output.show(true);
        return undefined;
      }
    }),
  );
}

/** Prove, Prove (Deep) and Prove (Reasoning Cache): the panel shows the error too; the notification offers the next step (a model
 * that cannot be used: choose or download one). */
function proveCommand(mode: ProveMode) {
  return async (ctx: CommandContext, uri?: string, position?: { line: number; character: number }) => {
    try {
      return await ctx.prompt.whileUserWaits(ctx.proofs.prove(uri, position && new vscode.Position(position.line, position.character), mode));
    } catch (error) {
      const modelActions = isModelUnavailable(error) ? ['Choose Model File…', 'Download Model'] : [];
      const choice = await vscode.window.showErrorMessage(`QED-Nano: ${error instanceof Error ? error.message : String(error)}`, ...modelActions, 'Show Setup Information');
      const command = { 'Choose Model File…': 'qedNano.chooseModelFile', 'Download Model': 'qedNano.downloadModel', 'Show Setup Information': 'qedNano.showSetupInfo' }[choice ?? ''];
      if (command) await vscode.commands.executeCommand(command);
      return undefined;
    }
  };
}

/** Refine Step: the QED-Nano finding under the cursor, refined in the Proof view. */
async function refineStepAtCursor(ctx: CommandContext) {
  const editor = vscode.window.activeTextEditor;
  const at = editor?.selection.active;
  const finding = editor && at && vscode.languages.getDiagnostics(editor.document.uri).find((d) => d.source === CRITIQUE_DIAGNOSTIC_SOURCE && d.range.contains(at));
  if (!editor || !finding) {
    void vscode.window.showInformationMessage('QED-Nano: put the cursor on a step QED-Nano flagged (a QED-Nano diagnostic) to refine it.');
    return undefined;
  }
  const { start, end } = finding.range;
  return ctx.refinements.refine({
    textDocument: { uri: editor.document.uri.toString() },
    range: { start: { line: start.line, character: start.character }, end: { line: end.line, character: end.character } },
    text: editor.document.getText(finding.range),
    objection: finding.message,
  });
}

/** An explicit trigger: the completion middleware answers it even in manual mode, without waiting. Without a
 * loaded model there is nothing to suggest: say so and offer to load it (never silence). */
async function suggestNextStep(ctx: CommandContext) {
  const status = ctx.modelStatus();
  if (status?.state === 'ready' || status?.state === 'busy') return vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
  const why = status?.state === 'loading' || status?.state === 'downloading' ? 'the model is still loading' : 'no model is loaded';
  const choice = await vscode.window.showInformationMessage(`QED-Nano: Suggest Next Step needs the model, and ${why}.${status?.message ? ` ${status.message}` : ''}`, 'Load Model');
  if (choice) await vscode.commands.executeCommand(CLIENT_COMMANDS.loadModel);
  return undefined;
}

/** The walkthrough's example: a copy in an untitled editor, so trying things never edits the extension. */
async function openExample(ctx: CommandContext): Promise<string> {
  const example = vscode.Uri.joinPath(ctx.extension.extensionUri, 'media', 'walkthrough', 'example.md');
  const content = new TextDecoder().decode(await vscode.workspace.fs.readFile(example));
  const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'markdown', content }));
  return editor.document.uri.toString();
}
