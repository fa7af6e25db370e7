/**
 * The VS Code side of QED-Nano: starts the language server over IPC for LaTeX and Markdown documents and
 * registers the commands. Activation loads no model and does no analysis itself; it only starts the client
 * (not awaited), so it costs a few milliseconds of extension-host time.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { SETTINGS_SECTION, StatusNotification, type QedNanoInitializationOptions } from '../../server/src/protocol';
import { MissingModelPrompt, registerModelCommands } from './modelCommands';
import { ModelStatusBar } from './statusBar';

let client: LanguageClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('QED-Nano', { log: true });
  context.subscriptions.push(output);

  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  // A plain JSON copy of the settings: the configuration object itself carries methods.
  const initializationOptions: QedNanoInitializationOptions = {
    [SETTINGS_SECTION]: JSON.parse(JSON.stringify(vscode.workspace.getConfiguration(SETTINGS_SECTION))) as QedNanoInitializationOptions['qedNano'],
    storagePath: context.globalStorageUri.fsPath,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'latex' },
      { scheme: 'untitled', language: 'latex' },
      { scheme: 'file', language: 'markdown' },
      { scheme: 'untitled', language: 'markdown' },
    ],
    initializationOptions,
    synchronize: { configurationSection: SETTINGS_SECTION },
    outputChannel: output,
    traceOutputChannel: output,
  };
  client = new LanguageClient('qedNano', 'QED-Nano', serverOptions, clientOptions);
  const statusBar = new ModelStatusBar();
  const prompt = new MissingModelPrompt();
  context.subscriptions.push(
    statusBar,
    client.onNotification(StatusNotification, (status) => {
      statusBar.show(status);
      prompt.onStatus(status);
    }),
    ...registerModelCommands(client, output),
  );

  context.subscriptions.push(
    vscode.commands.registerCommand('qedNano.showServerOutput', () => output.show(true)),
    vscode.commands.registerCommand('qedNano.restartServer', async () => {
      output.info('Restarting the QED-Nano language server on request.');
      await client?.restart();
    }),
  );

  client.start().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    output.error(`The QED-Nano language server failed to start: ${message}`);
    void vscode.window
      .showErrorMessage(`QED-Nano: the language server failed to start (${message}).`, 'Show Output', 'Restart Server')
      .then((choice) => {
        if (choice === 'Show Output') output.show(true);
        else if (choice === 'Restart Server') void vscode.commands.executeCommand('qedNano.restartServer');
      });
  });
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
