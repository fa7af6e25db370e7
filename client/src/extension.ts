/**
 * The VS Code side of QED-Nano: starts the language server over IPC for LaTeX and Markdown documents and
 * registers the views and the commands (commands.ts). Activation loads no model and does no analysis; it
 * creates the output channel, the status bar, the views and the commands, and hands the language client
 * (most of the extension's code) to the next turn of the event loop, so activation itself costs a few
 * milliseconds of extension-host time.
 */
import * as vscode from 'vscode';
import { storedApiKey } from './apiKey';
import type { ChatViewState } from '../../media/src/chatProtocol';
import { CHAT_VIEW_ID, ChatController } from './chatController';
import type { CommandContext } from './commandContext';
import { registerCommands } from './commands';
import type { QedNanoClient } from './languageClient';
import { MissingModelPrompt } from './missingModelPrompt';
import { ProofController } from './proofController';
import { PROOF_VIEW_ID, ProofView, type PanelSnapshot } from './proofView';
import { RefinementController } from './refinementController';
import { ModelStatusBar } from './statusBar';
import type { ModelStatus } from '../../server/src/protocol';
import { CRITIQUE_DIAGNOSTIC_SOURCE } from '../../server/src/wireNames';

let client: Promise<QedNanoClient> | undefined;

/** What activation returns (the extension's `exports`): read-only views for tests and bug reports. */
export interface QedNanoExports {
  /** What the Proof view was last told: its finished state, message and the actions it offers. */
  proofPanel(): PanelSnapshot;
  /** The model's status as the server last reported it (undefined before the server's first report). */
  modelStatus(): ModelStatus | undefined;
  /** What the Chat view was last told: the problem it is about and the macros its math is typeset with. */
  chatView(): Pick<ChatViewState, 'problem' | 'macros'> | undefined;
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
          proofs.onModelStatus(status);
        },
        (refinement) => void refinements.refine(refinement),
        apiKey,
      );
      context.subscriptions.push(started);
      resolve(started);
    }),
  );
  client = ready;
  const proofView = new ProofView(context.extensionUri);
  const proofs = new ProofController(proofView, () => ready);
  const refinements = new RefinementController(proofView, () => ready);
  const chat = new ChatController(context.extensionUri, () => ready);
  const commands: CommandContext = { extension: context, client: () => ready, output, proofView, proofs, refinements, chat, prompt, modelStatus: () => modelStatus };
  context.subscriptions.push(
    output,
    statusBar,
    proofs,
    refinements,
    proofView,
    chat,
    vscode.window.registerWebviewViewProvider(PROOF_VIEW_ID, proofView.host),
    vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, chat.view, { webviewOptions: { retainContextWhenHidden: false } }),
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
    ...registerCommands(commands),
  );
  // `npm start` (scripts/start.mjs) makes QED-Nano's walkthrough part of its first screen, beside the example.
  if (process.env.QED_NANO_START_WALKTHROUGH === '1') {
    void vscode.commands.executeCommand('workbench.action.openWalkthrough', `${context.extension.id}#gettingStarted`, true).then(undefined, (error: unknown) => output.warn(`The walkthrough did not open: ${String(error)}`));
  }
  return {
    proofPanel: () => proofView.snapshot(),
    modelStatus: () => modelStatus,
    chatView: () => {
      const state = chat.view.state;
      return state && { problem: state.problem, macros: state.macros };
    },
  };
}

export async function deactivate(): Promise<void> {
  await (await client)?.stop();
  client = undefined;
}
