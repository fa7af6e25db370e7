/**
 * The QED-Nano language server: wiring only. Start it with `node dist/server.js --stdio` (other editors)
 * or `--node-ipc` (the VS Code extension); `createConnection` picks the transport from the arguments.
 */
import {
  createConnection,
  DidChangeConfigurationNotification,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { AnalysisStore } from './documentStore';
import { structuralDiagnostics } from './features/diagnostics';
import { foldingRanges } from './features/folding';
import { documentSymbols } from './features/symbols';
import { SETTINGS_SECTION, type QedNanoInitializationOptions } from './protocol';
import { DEFAULT_SETTINGS, resolveSettings } from './settings';

/** Diagnostics are published this long after the last edit, so a burst of keystrokes publishes once. */
const DIAGNOSTICS_DELAY_MS = 50;

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
let settings = DEFAULT_SETTINGS;
let pullsConfiguration = false;
const store = new AnalysisStore(() => settings.analysis);
const pendingDiagnostics = new Map<string, NodeJS.Timeout>();

connection.onInitialize((params: InitializeParams): InitializeResult => {
  const options = params.initializationOptions as QedNanoInitializationOptions | undefined;
  settings = resolveSettings(options?.[SETTINGS_SECTION]);
  pullsConfiguration = params.capabilities.workspace?.configuration === true;
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      documentSymbolProvider: { label: 'QED-Nano' },
      foldingRangeProvider: true,
    },
    serverInfo: { name: 'qed-nano-language-server', version: SERVER_VERSION },
  };
});

connection.onInitialized(() => {
  if (pullsConfiguration) void connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION });
  connection.console.info(`QED-Nano language server ${SERVER_VERSION} ready (Node ${process.version}, pid ${process.pid}).`);
});

connection.onDidChangeConfiguration(async (change) => {
  const pushed = (change.settings as Record<string, unknown> | null | undefined)?.[SETTINGS_SECTION];
  const raw = pullsConfiguration ? await connection.workspace.getConfiguration(SETTINGS_SECTION) : pushed;
  settings = resolveSettings(raw);
  store.invalidate();
  for (const document of documents.all()) scheduleDiagnostics(document.uri, 0);
});

documents.onDidOpen((event) => scheduleDiagnostics(event.document.uri, 0));
documents.onDidChangeContent((event) => scheduleDiagnostics(event.document.uri, DIAGNOSTICS_DELAY_MS));
documents.onDidClose((event) => {
  clearTimeout(pendingDiagnostics.get(event.document.uri));
  pendingDiagnostics.delete(event.document.uri);
  store.close(event.document.uri);
  void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
});

connection.onDocumentSymbol((params) => {
  const document = documents.get(params.textDocument.uri);
  const analysis = document && store.analysisOf(document);
  if (!document || !analysis) return null;
  return documentSymbols(analysis, (range) => document.getText(range));
});

connection.onFoldingRanges((params) => {
  const document = documents.get(params.textDocument.uri);
  const analysis = document && store.analysisOf(document);
  return analysis ? foldingRanges(analysis) : null;
});

function scheduleDiagnostics(uri: string, delayMs: number): void {
  clearTimeout(pendingDiagnostics.get(uri));
  pendingDiagnostics.set(
    uri,
    setTimeout(() => {
      pendingDiagnostics.delete(uri);
      const document = documents.get(uri);
      const analysis = document && store.analysisOf(document);
      if (!document || !analysis) return;
      void connection.sendDiagnostics({ uri, version: document.version, diagnostics: structuralDiagnostics(analysis, uri) });
    }, delayMs),
  );
}

declare const SERVER_VERSION: string;

documents.listen(connection);
connection.listen();
