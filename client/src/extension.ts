/**
 * The VS Code side of QED-Nano: starts the language server over IPC for LaTeX and Markdown documents and
 * registers the commands. Activation loads no model and does no analysis; it creates the output channel,
 * the status bar and the commands, and hands the language client (most of the extension's code) to the
 * next turn of the event loop, so activation itself costs a few milliseconds of extension-host time.
 */
import * as vscode from 'vscode';
import { registerApiKeyCommand, storedApiKey } from './apiKey';
import { registerCritiqueCommands } from './critiqueCommands';
import type { QedNanoClient } from './languageClient';
import { MissingModelPrompt, registerModelCommands } from './modelCommands';
import { CHAT_VIEW_ID, ChatController } from './chatView';
import { isModelUnavailable, PROOF_VIEW_ID, ProveController, type PanelSnapshot } from './proveCommand';
import { ModelStatusBar } from './statusBar';
import type { ModelStatus } from '../../server/src/protocol';
import { CLIENT_COMMANDS, CRITIQUE_DIAGNOSTIC_SOURCE } from '../../server/src/wireNames';

let client: Promise<QedNanoClient> | undefined;

/** What activation returns (the extension's `exports`): read-only views for tests and bug reports. */
export interface QedNanoExports {
  /** What the Proof view was last told: its finished state, message and the actions it offers. */
  proofPanel(): PanelSnapshot;
  /** The model's status as the server last reported it (undefined before the server's first report). */
  modelStatus(): ModelStatus | undefined;
}

export function activate(context: vscode.ExtensionContext): QedNanoExports {
  const output = vscode.window.createOutputChannel('QED-Nano', { log: true });
  const statusBar = new ModelStatusBar();
  const prompt = new MissingModelPrompt();
  let modelStatus: ModelStatus | undefined;
  const ready = new Promise<QedNanoClient>((resolve) =>
    setImmediate(async () => {
      // Loaded here, not imported at the top: see languageClient.ts.
      const { startLanguageClient } = require('./languageClient') as typeof import('./languageClient');
      const apiKey = await storedApiKey(context);
      const started = startLanguageClient(
        context,
        output,
        (status) => {
          modelStatus = status;
          // The walkthrough's "Get the model" step is done once a model is loaded (not when a download is asked).
          if (status.state === 'ready') void vscode.commands.executeCommand('setContext', 'qedNano.modelLoaded', true);
          statusBar.show(status);
          prompt.onStatus(status);
          prover.onModelStatus(status);
        },
        (refinement) => void prover.refine(refinement),
        apiKey,
      );
      context.subscriptions.push(started);
      resolve(started);
    }),
  );
  client = ready;
  const prover = new ProveController(context.extensionUri, () => ready);
  const chat = new ChatController(context.extensionUri, () => ready);
  context.subscriptions.push(
    output,
    statusBar,
    prover,
    chat,
    vscode.window.registerWebviewViewProvider(PROOF_VIEW_ID, prover.panel),
    vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, chat.view, { webviewOptions: { retainContextWhenHidden: false } }),
    vscode.commands.registerCommand('qedNano.openChat', () => chat.view.reveal(true)),
    vscode.commands.registerCommand('qedNano.askInChat', async (message?: string) => {
      const text = message ?? (await vscode.window.showInputBox({ prompt: 'Ask QED-Nano about the problem at the cursor', placeHolder: 'Give me a hint (no full solution)' }));
      return text ? chat.ask(text) : undefined;
    }),
    // "Ask in chat" on a critique finding: the chat opens on that finding.
    vscode.languages.registerCodeActionsProvider(
      [{ language: 'latex' }, { language: 'markdown' }],
      {
        provideCodeActions: (_document, _range, context) =>
          context.diagnostics
            .filter((d) => d.source === CRITIQUE_DIAGNOSTIC_SOURCE)
            .map((d) => {
              const action = new vscode.CodeAction('Ask QED-Nano about this finding in Chat', vscode.CodeActionKind.QuickFix);
              action.diagnostics = [d];
              action.command = { title: 'Ask in Chat', command: 'qedNano.askInChat', arguments: [`Explain this finding about the step on line ${d.range.start.line + 1}: ${d.message}`] };
              return action;
            }),
      },
      { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
    ),
    vscode.commands.registerCommand(CLIENT_COMMANDS.prove, proveCommand('single')),
    vscode.commands.registerCommand('qedNano.proveDeep', proveCommand('deep')),
    vscode.commands.registerCommand('qedNano.stopProof', () => prover.stop()),
    vscode.commands.registerCommand('qedNano.continueProof', () => prover.continueLast()),
    vscode.commands.registerCommand('qedNano.insertProof', (options?: { anyway?: boolean }) => prover.insert({ anyway: options?.anyway === true })),
    vscode.commands.registerCommand('qedNano.copyProof', () => prover.copy()),
    vscode.commands.registerCommand('qedNano.refineStep', async () => {
      const editor = vscode.window.activeTextEditor;
      const at = editor?.selection.active;
      const finding = editor && at && vscode.languages.getDiagnostics(editor.document.uri).find((d) => d.source === CRITIQUE_DIAGNOSTIC_SOURCE && d.range.contains(at));
      if (!editor || !finding) {
        void vscode.window.showInformationMessage('QED-Nano: put the cursor on a step QED-Nano flagged (a QED-Nano diagnostic) to refine it.');
        return undefined;
      }
      const { start, end } = finding.range;
      return prover.refine({
        textDocument: { uri: editor.document.uri.toString() },
        range: { start: { line: start.line, character: start.character }, end: { line: end.line, character: end.character } },
        text: editor.document.getText(finding.range),
        objection: finding.message,
      });
    }),
    // An explicit trigger: the completion middleware answers it even in manual mode, without waiting. Without
    // a loaded model there is nothing to suggest: say so and offer to load it (never silence).
    vscode.commands.registerCommand('qedNano.suggestNextStep', async () => {
      if (modelStatus?.state === 'ready' || modelStatus?.state === 'busy') return vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      const why = modelStatus?.state === 'loading' || modelStatus?.state === 'downloading' ? 'the model is still loading' : 'no model is loaded';
      const choice = await vscode.window.showInformationMessage(`QED-Nano: Suggest Next Step needs the model, and ${why}.${modelStatus?.message ? ` ${modelStatus.message}` : ''}`, 'Load Model');
      if (choice) await vscode.commands.executeCommand('qedNano.loadModel');
      return undefined;
    }),
    vscode.commands.registerCommand('qedNano.applyRefinement', () => prover.applyRefinement()),
    vscode.commands.registerCommand('qedNano.discardRefinement', () => prover.discardRefinement()),
    ...registerModelCommands(() => ready, prompt),
    registerApiKeyCommand(context, () => ready),
    ...registerCritiqueCommands(() => ready),
    vscode.commands.registerCommand('qedNano.showServerOutput', () => output.show(true)),
    // The walkthrough's example: a copy in an untitled editor, so trying things never edits the extension.
    vscode.commands.registerCommand('qedNano.openExample', async () => {
      const example = vscode.Uri.joinPath(context.extensionUri, 'media', 'walkthrough', 'example.md');
      const content = new TextDecoder().decode(await vscode.workspace.fs.readFile(example));
      const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'markdown', content }));
      return editor.document.uri.toString();
    }),
    vscode.commands.registerCommand('qedNano.restartServer', async () => {
      output.info('Restarting the QED-Nano language server on request.');
      await (await ready).restart();
    }),
  );
  return { proofPanel: () => prover.snapshot(), modelStatus: () => modelStatus };

  /** Prove and Prove (Deep): one error path. The panel shows the error too; the notification offers the next
   * step (a model that cannot be used: choose or download one). */
  function proveCommand(mode: 'single' | 'deep') {
    return async (uri?: string, position?: { line: number; character: number }) => {
      try {
        return await prompt.whileUserWaits(prover.prove(uri, position && new vscode.Position(position.line, position.character), mode));
      } catch (error) {
        const modelActions = isModelUnavailable(error) ? ['Choose Model File…', 'Download Model'] : [];
        const choice = await vscode.window.showErrorMessage(`QED-Nano: ${error instanceof Error ? error.message : String(error)}`, ...modelActions, 'Show Setup Information');
        const command = { 'Choose Model File…': 'qedNano.chooseModelFile', 'Download Model': 'qedNano.downloadModel', 'Show Setup Information': 'qedNano.showSetupInfo' }[choice ?? ''];
        if (command) await vscode.commands.executeCommand(command);
        return undefined;
      }
    };
  }
}

export async function deactivate(): Promise<void> {
  await (await client)?.stop();
  client = undefined;
}
