/**
 * The LaTeX projects of the workspace, kept in step with the client: the workspace folders' LaTeX files are
 * read at start (in the background, with progress) and when folders are added, forgotten when folders are
 * removed; files changed on disk are read again (`workspace/didChangeWatchedFiles`, registered when the
 * client allows); a file opened from outside the folders has the folders above it read for its root; a
 * closed file goes back to its text on disk. What is read goes into the document store's project index.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DidChangeWatchedFilesNotification,
  FileChangeType,
  type Connection,
  type DidChangeWatchedFilesParams,
  type InitializeParams,
  type WorkspaceFoldersChangeEvent,
} from 'vscode-languageserver';
import type { DocumentStore } from './documentStore';
import { LATEX_FILES_GLOB } from './documents/formats';
import type { ProgressReporter } from './model/progress';

export class WorkspaceProjects {
  /** The workspace folders on disk. */
  private folders: string[] = [];
  private watchesFiles = false;
  private followsFolders = false;
  private startProgress: (title: string) => Promise<ProgressReporter> = () => Promise.reject(new Error('not started'));

  constructor(
    private readonly connection: Connection,
    private readonly store: DocumentStore,
  ) {}

  /** Takes the folders and what the client can do from `initialize`. */
  initialize(params: InitializeParams): void {
    this.watchesFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    this.followsFolders = params.capabilities.workspace?.workspaceFolders === true;
    this.folders = onDisk(params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri }] : []));
  }

  /** After `initialized`: asks to hear of changes, and reads the folders (with `startProgress`'s progress). */
  start(startProgress: (title: string) => Promise<ProgressReporter>): void {
    this.startProgress = startProgress;
    if (this.watchesFiles) {
      this.connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: LATEX_FILES_GLOB }] }).catch((error: unknown) => {
        this.connection.console.error(`Could not register for file changes: ${String(error)}`);
      });
    }
    if (this.followsFolders) this.connection.workspace.onDidChangeWorkspaceFolders((event) => this.foldersChanged(event));
    this.connection.onDidChangeWatchedFiles((params) => this.filesChanged(params));
    this.read(this.folders);
  }

  /** A document was opened: a LaTeX file from outside the folders has the folders above it read; whatever
   * it names that is not read yet (a root outside the folders) is read. */
  opened(uri: string): void {
    if (!uri.startsWith('file:') || this.store.index.get(uri)?.format !== 'latex') return;
    const file = fileURLToPath(uri);
    const reading = this.folders.some((folder) => inside(folder, file)) ? this.store.loader.follow() : this.store.loader.indexAround(path.dirname(file));
    reading.catch((error: unknown) => this.connection.console.error(`Reading the project of ${file} failed: ${String(error)}`));
  }

  /** A document was closed: the index keeps it as the disk has it (the editor may not have saved it). */
  closed(uri: string): void {
    if (!uri.startsWith('file:') || !this.store.index.get(uri)) return;
    this.store.loader.reread(fileURLToPath(uri)).catch((error: unknown) => this.connection.console.error(`Reading ${uri} failed: ${String(error)}`));
  }

  /** Reads the LaTeX files of `folders` once, in the background, with progress (cancellable). */
  private read(folders: readonly string[]): void {
    if (folders.length === 0) return;
    void (async () => {
      const started = performance.now();
      const progress = await this.startProgress('QED-Nano: reading LaTeX projects');
      try {
        await this.store.loader.indexFolders(folders, (done, total) => progress.report(done / total, `${done} of ${total} files`), progress.cancelled);
      } finally {
        progress.done();
      }
      const read = this.store.index.all().filter((file) => file.format === 'latex' && file.path !== undefined && folders.some((folder) => inside(folder, file.path!)));
      this.connection.console.info(`Read ${read.length} LaTeX files of ${folders.join(', ')} in ${Math.round(performance.now() - started)} ms.`);
    })().catch((error: unknown) => this.connection.console.error(`Reading the LaTeX projects of ${folders.join(', ')} failed: ${String(error)}`));
  }

  /** Folders added to the workspace are read; the files of removed ones are forgotten (unless open). */
  private foldersChanged(event: WorkspaceFoldersChangeEvent): void {
    const removed = onDisk(event.removed);
    const added = onDisk(event.added);
    this.folders = [...this.folders.filter((folder) => !removed.includes(folder)), ...added];
    for (const file of this.store.index.all()) {
      const gone = file.path !== undefined && removed.some((folder) => inside(folder, file.path!)) && !this.folders.some((folder) => inside(folder, file.path!));
      if (gone && !file.open) this.store.index.delete(file.uri);
    }
    this.read(added);
  }

  /** LaTeX files created, changed or deleted on disk (open ones follow the editor). */
  private filesChanged({ changes }: DidChangeWatchedFilesParams): void {
    void (async () => {
      for (const change of changes) {
        if (!change.uri.startsWith('file:')) continue;
        if (change.type !== FileChangeType.Deleted) await this.store.loader.reread(fileURLToPath(change.uri));
        else if (!this.store.index.get(change.uri)?.open) this.store.index.delete(change.uri);
      }
      await this.store.loader.follow();
    })().catch((error: unknown) => this.connection.console.error(`Reading changed LaTeX files failed: ${String(error)}`));
  }
}

function onDisk(folders: readonly { uri: string }[]): string[] {
  return folders.flatMap(({ uri }) => (uri.startsWith('file:') ? [fileURLToPath(uri)] : []));
}

function inside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
