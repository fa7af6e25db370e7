/**
 * The language client and everything that speaks the wire protocol. extension.ts loads this module only
 * after activation has returned (vscode-languageclient is most of the extension's code, and evaluating it
 * inside activate() would hold up the extension host's activation of every other extension).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, State, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { randomUUID } from 'node:crypto';
import { ProgressType } from 'vscode-languageclient/node';
import { completionMiddleware } from './completion';

/** LaTeX Workshop (James-Yu.latex-workshop): the LaTeX extension most users have. */
const LATEX_WORKSHOP_ID = 'James-Yu.latex-workshop';
import {
  ChatHistoryRequest,
  ChatRequest,
  CLIENT_COMMANDS,
  CritiqueRequest,
  LoadModelRequest,
  ProofInsertionRequest,
  ProveRequest,
  RefineRequest,
  SETTINGS_SECTION,
  SetupInfoRequest,
  StatusNotification,
  type ChatHistory,
  type ChatParams,
  type ChatResult,
  type CritiqueParams,
  type CritiqueResult,
  type ModelStatus,
  type ProofInsertionParams,
  type ProveParams,
  type GenerationProgress,
  type ProveResult,
  type QedNanoInitializationOptions,
  type RefineActionData,
  type RefineParams,
  type RefineResult,
  type SetupInfo,
} from '../../server/src/protocol';

/** What the rest of the extension needs from the server, typed by the shared protocol. */
export interface QedNanoClient extends vscode.Disposable {
  loadModel(): Promise<ModelStatus>;
  /** `qed/critique`: resolves once the findings are published as diagnostics. */
  critique(params: CritiqueParams, token: vscode.CancellationToken): Promise<CritiqueResult>;
  /** `qed/proofInsertion`: the edit that puts `proof` after `statement` in the document as it is now (or,
   * when that statement was edited, after the one at `position`). */
  proofInsertion(uri: string, statement: string, proof: string, position?: ProofInsertionParams['position']): Promise<ProveResult['insertion'] | null>;
  /** `qed/prove`, with its streamed progress delivered to `onProgress`. */
  prove(params: ProveParams, onProgress: (progress: GenerationProgress) => void, token: vscode.CancellationToken): Promise<ProveResult>;
  /** `qed/chat`, streamed the same way; `qed/chatHistory`. */
  chat(params: ChatParams, onProgress: (progress: GenerationProgress) => void, token: vscode.CancellationToken): Promise<ChatResult>;
  chatHistory(uri: string, position: { line: number; character: number }): Promise<ChatHistory>;
  /** `qed/refine`, streamed the same way. */
  refine(params: RefineParams, onProgress: (progress: GenerationProgress) => void, token: vscode.CancellationToken): Promise<RefineResult>;
  setupInfo(): Promise<SetupInfo>;
  /** Gives the server the remote engine's API key (undefined: none) by restarting it with the key in its
   * environment: never in a message, which a protocol trace would print. */
  setApiKey(key: string | undefined): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function startLanguageClient(
  context: vscode.ExtensionContext,
  output: vscode.LogOutputChannel,
  onStatus: (status: ModelStatus) => void,
  /** A refinement quick fix was chosen: VS Code shows it in the side panel (before, after, Apply, Discard)
   * instead of applying the server's edit unseen. */
  onRefine: (params: RefineParams) => void,
  /** The remote engine's API key from VS Code's secret storage, if one is set. */
  apiKey: string | undefined,
): QedNanoClient {
  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  // One environment object for every (re)start of the server, so a new key applies at the next restart.
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (apiKey) env.QED_NANO_API_KEY = apiKey;
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc, options: { env } },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { env, execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  // A plain JSON copy of the settings: the configuration object itself carries methods. Made at each
  // (re)start of the server, so a restart also sees LaTeX Workshop enabled or disabled since.
  const initializationOptions = (): QedNanoInitializationOptions => ({
    [SETTINGS_SECTION]: JSON.parse(JSON.stringify(vscode.workspace.getConfiguration(SETTINGS_SECTION))) as QedNanoInitializationOptions['qedNano'],
    storagePath: context.globalStorageUri.fsPath,
    clientCommands: Object.values(CLIENT_COMMANDS),
    // LaTeX Workshop answers label definitions, completions and hovers too (qedNano.latex.labels decides).
    latexLabelsElsewhere: vscode.extensions.getExtension(LATEX_WORKSHOP_ID) !== undefined,
  });
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'latex' },
      { scheme: 'untitled', language: 'latex' },
      // Packages and classes (VS Code calls them `tex`, LaTeX Workshop `latex`): their declarations count
      // in the chapters while they are edited, not only once saved.
      { scheme: 'file', pattern: '**/*.{sty,cls}' },
      { scheme: 'file', language: 'markdown' },
      { scheme: 'untitled', language: 'markdown' },
    ],
    initializationOptions,
    synchronize: { configurationSection: SETTINGS_SECTION },
    outputChannel: output,
    traceOutputChannel: output,
    middleware: {
      ...completionMiddleware(),
      resolveCodeAction: (item, token, next) => {
        const refine = (item as vscode.CodeAction & { data?: Partial<RefineActionData> }).data?.qedRefine;
        if (!refine) return next(item, token);
        onRefine(refine);
        return item;
      },
    },
  };
  const client = new LanguageClient('qedNano', 'QED-Nano', serverOptions, clientOptions);
  /** Runs `send` with a new partial-result token whose GenerationProgress values go to `onProgress` meanwhile. */
  const streamed = async <R>(send: (partialResultToken: string) => Promise<R>, onProgress: (progress: GenerationProgress) => void): Promise<R> => {
    const partialResultToken = randomUUID();
    const listening = client.onProgress(new ProgressType<GenerationProgress>(), partialResultToken, onProgress);
    try {
      return await send(partialResultToken);
    } finally {
      listening.dispose();
    }
  };

  const statusSubscription = client.onNotification(StatusNotification, onStatus);
  const keeper = new ServerKeeper(client, output);
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
  return {
    loadModel: () => client.sendRequest(LoadModelRequest),
    critique: (params, token) => client.sendRequest(CritiqueRequest, params, token),
    proofInsertion: (uri, statement, proof, position) =>
      client.sendRequest(ProofInsertionRequest, { textDocument: { uri }, statement, proof, ...(position ? { position } : {}) }),
    prove: (params, onProgress, token) => streamed((partialResultToken) => client.sendRequest(ProveRequest, { ...params, partialResultToken }, token), onProgress),
    chat: (params, onProgress, token) => streamed((partialResultToken) => client.sendRequest(ChatRequest, { ...params, partialResultToken }, token), onProgress),
    chatHistory: (uri, position) => client.sendRequest(ChatHistoryRequest, { textDocument: { uri }, position }),
    refine: (params, onProgress, token) => streamed((partialResultToken) => client.sendRequest(RefineRequest, { ...params, partialResultToken }, token), onProgress),
    setupInfo: () => client.sendRequest(SetupInfoRequest),
    setApiKey: async (key) => {
      if (key) env.QED_NANO_API_KEY = key;
      else delete env.QED_NANO_API_KEY;
      await keeper.restart();
    },
    restart: () => keeper.restart(),
    stop: () => keeper.stop(),
    dispose: () => statusSubscription.dispose(),
  };
}

/** Unexpected stops the client let stand, at most this many per RESTART_WINDOW_MS, are restarted here. */
const MAX_OWN_RESTARTS = 3;
const RESTART_WINDOW_MS = 3 * 60_000;
/** How long a stop may last before it counts as one the client will not undo (its own restart follows at
 * once, in the same tick). */
const STOPPED_GRACE_MS = 2_000;

/**
 * Keeps the language server running. vscode-languageclient restarts a server that died, but a killed server
 * was seen left stopped in the VS Code suite (every feature then fails with "Client is not running" until a
 * manual restart); a stop this extension did not ask for that lasts is undone here, a few times at most,
 * then the user is told. Restart and stop go through here: a restart asked while the client is still
 * starting waits for the start (the client itself refuses: "can't be stopped ... starting"). Every state
 * change goes to the output.
 */
class ServerKeeper {
  private stopping = false;
  private readonly ownRestarts: number[] = [];

  constructor(
    private readonly client: LanguageClient,
    private readonly output: vscode.LogOutputChannel,
  ) {
    client.onDidChangeState(({ oldState, newState }) => {
      // In the output: what a report of a server that was not restarted needs.
      output.info(`Language client state ${State[oldState]} -> ${State[newState]}.`);
      if (newState === State.Stopped && !this.stopping) setTimeout(() => void this.undoStop(), STOPPED_GRACE_MS);
    });
  }

  async restart(): Promise<void> {
    this.stopping = true;
    try {
      if (this.client.state === State.Starting) await this.client.start().catch(() => undefined);
      if (this.client.state === State.Stopped) await this.client.start();
      else await this.client.restart();
    } finally {
      this.stopping = false;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.client.stop();
  }

  private async undoStop(): Promise<void> {
    if (this.stopping || this.client.state !== State.Stopped) return;
    const now = Date.now();
    while (this.ownRestarts.length > 0 && now - this.ownRestarts[0]! > RESTART_WINDOW_MS) this.ownRestarts.shift();
    if (this.ownRestarts.length >= MAX_OWN_RESTARTS) {
      this.output.error('The QED-Nano language server stopped again and is left stopped.');
      void vscode.window.showErrorMessage('QED-Nano: the language server keeps stopping.', 'Show Output', 'Restart Server').then((choice) => {
        if (choice === 'Show Output') this.output.show(true);
        else if (choice === 'Restart Server') void vscode.commands.executeCommand('qedNano.restartServer');
      });
      return;
    }
    this.ownRestarts.push(now);
    this.output.warn('The QED-Nano language server stopped and was not restarted: starting it again.');
    await this.client.start().catch((error: unknown) => this.output.error(`Starting the language server again failed: ${error instanceof Error ? error.message : String(error)}`));
  }
}
