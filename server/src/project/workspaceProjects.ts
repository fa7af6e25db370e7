/**
 * The LaTeX projects of the workspace, kept in step with the client: the workspace folders' LaTeX files are
 * read at start (in the background, with progress) and when folders are added, forgotten when folders are
 * removed; files changed on disk are read again (changes that arrive while others are being read are taken
 * together, so a checkout's thousands of one-change notifications cost one pass, not one each); a file
 * opened from outside the folders has the folders above it read for its root; a closed file goes back to its
 * text on disk. What is read goes into the project index; files the loader's cap leaves out are said once
 * (`reporting.warn`). No LSP: the server (server.ts) tells it what the client reported.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProjectIndex } from './projectIndex';
import type { ProjectLoader } from './projectLoader';

/** Progress shown while the folders are read, which the user may cancel. */
export interface ReadingProgress {
  report(fraction: number, message: string): void;
  readonly cancelled: AbortSignal;
  done(): void;
}

/** Where the reading is told: the client's progress, and its log. */
export interface WorkspaceReporting {
  startProgress(title: string): Promise<ReadingProgress>;
  info(message: string): void;
  error(message: string): void;
  /** Something the user should read once (shown, not only logged). */
  warn(message: string): void;
}

/** A file that changed on disk (`deleted`: it is gone). */
export interface FileChange {
  uri: string;
  deleted: boolean;
}

export class WorkspaceProjects {
  /** The workspace folders on disk. */
  private folders: string[] = [];
  /** Changes on disk not read yet (the latest of each file), and whether a pass is reading them. */
  private readonly pendingChanges = new Map<string, boolean>();
  private readingChanges = false;

  constructor(
    private readonly index: ProjectIndex,
    private readonly loader: ProjectLoader,
    private readonly reporting: WorkspaceReporting,
  ) {}

  /** The workspace folders, by URI (those not on disk are left out), as `initialize` names them. */
  initialize(folders: readonly string[]): void {
    this.folders = onDisk(folders);
    this.loader.setFolders(this.folders);
  }

  /** Reads the workspace folders, in the background (after `initialized`: progress can be shown). */
  start(): void {
    this.loader.warnWith((message) => this.reporting.warn(message));
    this.read(this.folders);
  }

  /** A document was opened: a LaTeX file from outside the folders has the folders above it read; whatever
   * it names that is not read yet (a root outside the folders) is read. */
  opened(uri: string): void {
    if (!uri.startsWith('file:') || this.index.get(uri)?.format !== 'latex') return;
    const file = fileURLToPath(uri);
    const reading = this.folders.some((folder) => inside(folder, file)) ? this.loader.follow() : this.loader.indexAround(path.dirname(file));
    reading.catch((error: unknown) => this.reporting.error(`Reading the project of ${file} failed: ${String(error)}`));
  }

  /** A document was closed: the index keeps it as the disk has it (the editor may not have saved it). */
  closed(uri: string): void {
    if (!uri.startsWith('file:') || !this.index.get(uri)) return;
    this.loader.reread(fileURLToPath(uri)).catch((error: unknown) => this.reporting.error(`Reading ${uri} failed: ${String(error)}`));
  }

  /** Folders added to the workspace are read; the files of removed ones are forgotten (unless open). */
  foldersChanged(removedUris: readonly string[], addedUris: readonly string[]): void {
    const removed = onDisk(removedUris);
    const added = onDisk(addedUris);
    this.folders = [...this.folders.filter((folder) => !removed.includes(folder)), ...added];
    this.loader.setFolders(this.folders);
    for (const file of this.index.all()) {
      const gone = file.path !== undefined && removed.some((folder) => inside(folder, file.path!)) && !this.folders.some((folder) => inside(folder, file.path!));
      if (gone && !file.open) this.index.delete(file.uri);
    }
    this.read(added);
  }

  /** LaTeX files created, changed or deleted on disk (open ones follow the editor): taken in with whatever
   * else changed until the pass that reads them starts. */
  filesChanged(changes: readonly FileChange[]): void {
    for (const change of changes) {
      if (!change.uri.startsWith('file:')) continue;
      this.pendingChanges.delete(change.uri); // the latest change of a file last
      this.pendingChanges.set(change.uri, change.deleted);
    }
    if (this.readingChanges || this.pendingChanges.size === 0) return;
    this.readingChanges = true;
    void this.readChanges()
      .catch((error: unknown) => this.reporting.error(`Reading changed LaTeX files failed: ${String(error)}`))
      .finally(() => (this.readingChanges = false));
  }

  /** Reads the pending changes in passes (each taking every change that came meanwhile), then what the
   * files name, once per pass. */
  private async readChanges(): Promise<void> {
    while (this.pendingChanges.size > 0) {
      const changes = [...this.pendingChanges];
      this.pendingChanges.clear();
      for (const [uri, deleted] of changes) {
        if (!deleted) await this.loader.reread(fileURLToPath(uri));
        else if (!this.index.get(uri)?.open) this.index.delete(uri);
      }
      await this.loader.follow();
      this.reporting.info(`Read ${changes.length} changed LaTeX ${changes.length === 1 ? 'file' : 'files'}.`);
    }
  }

  /** Reads the LaTeX files of `folders` once, in the background, with progress (cancellable). */
  private read(folders: readonly string[]): void {
    if (folders.length === 0) return;
    void (async () => {
      const started = performance.now();
      const progress = await this.reporting.startProgress('QED-Nano: reading LaTeX projects');
      try {
        await this.loader.indexFolders(folders, (done, total) => progress.report(done / total, `${done} of ${total} files`), progress.cancelled);
      } finally {
        progress.done();
      }
      const read = this.index.all().filter((file) => file.format === 'latex' && file.path !== undefined && folders.some((folder) => inside(folder, file.path!)));
      this.reporting.info(`Read ${read.length} LaTeX files of ${folders.join(', ')} in ${Math.round(performance.now() - started)} ms.`);
    })().catch((error: unknown) => this.reporting.error(`Reading the LaTeX projects of ${folders.join(', ')} failed: ${String(error)}`));
  }
}

function onDisk(uris: readonly string[]): string[] {
  return uris.flatMap((uri) => (uri.startsWith('file:') ? [fileURLToPath(uri)] : []));
}

function inside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
