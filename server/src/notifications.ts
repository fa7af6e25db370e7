/**
 * What the server does on each notification it takes (rust-analyzer's handlers/notification.rs): each a
 * function of the server's mutable side (`ServerContext`) and the notification's params, registered as a
 * row of handlers.ts's table beside the requests. A notification has nobody to answer: a failure is logged
 * there, never left to end the process.
 */
import type { DidChangeConfigurationParams, DidChangeWatchedFilesParams, TextDocumentChangeEvent, WorkspaceFoldersChangeEvent } from 'vscode-languageserver';
import { FileChangeType } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ServerContext } from './context';
import { DIAGNOSTICS_DELAY_MS } from './diagnosticsScheduler';
import { compileUserPatterns } from './documents/userPatterns';
import { SETTINGS_SECTION } from './protocol';
import { overInitialSettings, resolveSettings } from './settings';

/** `workspace/didChangeConfiguration`: the settings pulled from the client where it lets them be pulled,
 * else those it pushed. */
export async function configurationChanged(server: ServerContext, change: DidChangeConfigurationParams): Promise<void> {
  const pushed = (change.settings as Record<string, unknown> | null | undefined)?.[SETTINGS_SECTION];
  try {
    await applySettings(server, server.client.support.pullsConfiguration ? await server.client.configuration() : pushed);
  } catch (error) {
    server.client.error(`Applying the settings failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The settings as the client has them now, when it lets them be pulled (else the last pushed stay). */
export async function pullSettings(server: ServerContext): Promise<void> {
  if (server.client.support.pullsConfiguration) await applySettings(server, await server.client.configuration());
}

/** `configured`: the section as the client's configuration has it now (null or partial: see overInitialSettings). */
async function applySettings(server: ServerContext, configured: unknown): Promise<void> {
  const settings = server.liveSettings;
  const next = resolveSettings(overInitialSettings(settings.initial, configured));
  const { patterns, rejected } = compileUserPatterns(next.structure.problemPatterns, next.structure.solutionPatterns);
  const analysisChanged =
    next.analysis.maxDocumentSize !== settings.now.analysis.maxDocumentSize || next.analysis.guesses !== settings.now.analysis.guesses || patterns.key !== settings.patterns.key;
  if (rejected.length > 0 && JSON.stringify(next.structure) !== JSON.stringify(settings.now.structure)) server.client.warn(rejected.join(' '));
  settings.now = next;
  settings.patterns = patterns;
  await server.models.configure(next);
  loadModelInBackground(server);
  if (!analysisChanged) return;
  server.documents.invalidate();
  server.diagnostics.scheduleAll(0);
}

/** With a proof document open, loads the model when that needs nothing from the user (qedNano.loadModelOnOpen). */
function loadModelInBackground(server: ServerContext): void {
  if (!server.liveSettings.now.loadModelOnOpen || !server.documents.hasProofDocument()) return;
  server.models.loadIfAtHand().catch((error: unknown) => server.client.error(`Loading the model in the background failed: ${String(error)}`));
}

/** `workspace/didChangeWatchedFiles`: the workspace's projects read the files again (or forget them). */
export function watchedFilesChanged(server: ServerContext, { changes }: DidChangeWatchedFilesParams): void {
  server.projects.filesChanged(changes.map((change) => ({ uri: change.uri, deleted: change.type === FileChangeType.Deleted })));
}

/** `workspace/didChangeWorkspaceFolders`. */
export function workspaceFoldersChanged(server: ServerContext, event: WorkspaceFoldersChangeEvent): void {
  server.projects.foldersChanged(event.removed.map((f) => f.uri), event.added.map((f) => f.uri));
}

/** `textDocument/didOpen`: its diagnostics at once, the model when that needs nothing from the user, its
 * analysis, and the folders around it when it is outside the workspace. */
export function documentOpened(server: ServerContext, event: TextDocumentChangeEvent<TextDocument>): void {
  server.diagnostics.schedule(event.document.uri, 0);
  loadModelInBackground(server);
  server.documents.analysisOf(event.document);
  server.projects.opened(event.document.uri);
}

/** `textDocument/didChange`: its diagnostics after a pause in edits. */
export function documentChanged(server: ServerContext, event: TextDocumentChangeEvent<TextDocument>): void {
  server.diagnostics.schedule(event.document.uri, DIAGNOSTICS_DELAY_MS);
}

/** The same change, with where it began (`line`; undefined: the whole text): the critique's triggers. */
export function documentChangedAt(server: ServerContext, { uri, line }: { uri: string; line: number | undefined }): void {
  server.critique.triggers.changed(uri, line);
}

/** `textDocument/didSave`. */
export function documentSaved(server: ServerContext, event: TextDocumentChangeEvent<TextDocument>): void {
  server.critique.triggers.saved(event.document.uri);
}

/** `textDocument/didClose`: the project forgets the editor's text, the critique and diagnostics the document. */
export function documentClosed(server: ServerContext, event: TextDocumentChangeEvent<TextDocument>): void {
  const uri = event.document.uri;
  server.projects.closed(uri);
  server.critique.triggers.closed(uri);
  server.diagnostics.closed(uri);
}
