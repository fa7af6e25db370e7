/**
 * The LaTeX projects of the workspace, kept in step with the client: the workspace folders' LaTeX files are
 * read at start (in the background, with progress) and when folders are added, forgotten when folders are
 * removed; files changed on disk are read again; a file opened from outside the folders has the folders
 * above it read for its root; a closed file goes back to its text on disk. What is read goes into the
 * project index. No LSP: the server (server.ts) tells it what the client reported.
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
}

/** A file that changed on disk (`deleted`: it is gone). */
export interface FileChange {
  uri: string;
  deleted: boolean;
}

export class WorkspaceProjects {
  /** The workspace folders on disk. */
  private folders: string[] = [];

  constructor(
    private readonly index: ProjectIndex,
    private readonly loader: ProjectLoader,
    private readonly reporting: WorkspaceReporting,
  ) {}

  /** The workspace folders, by URI (those not on disk are left out), as `initialize` names them. */
  initialize(folders: readonly string[]): void {
    this.folders = onDisk(folders);
  }

  /** Reads the workspace folders, in the background (after `initialized`: progress can be shown). */
  start(): void {
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
    for (const file of this.index.all()) {
      const gone = file.path !== undefined && removed.some((folder) => inside(folder, file.path!)) && !this.folders.some((folder) => inside(folder, file.path!));
      if (gone && !file.open) this.index.delete(file.uri);
    }
    this.read(added);
  }

  /** LaTeX files created, changed or deleted on disk (open ones follow the editor). */
  filesChanged(changes: readonly FileChange[]): void {
    void (async () => {
      for (const change of changes) {
        if (!change.uri.startsWith('file:')) continue;
        if (!change.deleted) await this.loader.reread(fileURLToPath(change.uri));
        else if (!this.index.get(change.uri)?.open) this.index.delete(change.uri);
      }
      await this.loader.follow();
    })().catch((error: unknown) => this.reporting.error(`Reading changed LaTeX files failed: ${String(error)}`));
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
