/**
 * Reads the LaTeX files of projects from disk into the project index: every `.tex`/`.sty`/`.cls` under the
 * workspace folders (in the background, with progress), the folders around a file opened from elsewhere
 * (where its root may be), and whatever the indexed files name that is not indexed yet (an `\input` outside
 * the folders, a magic comment's root). Bounded: a walk stops after `MAX_WALKED_ENTRIES` folder entries and
 * the index after `MAX_INDEXED_FILES` files or `MAX_INDEXED_TEXT` characters read from disk (a home folder opened as a workspace must not
 * take the machine); hidden folders, `node_modules` and symbolic links are not followed. A file that cannot
 * be read, is not a regular file or is larger than the analysis limit is left out (logged, not an error);
 * only files with a LaTeX extension are read, whatever an `\input` names.
 */
import { promises as fs, constants } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { isLatexFile } from '../documents/formats';
import type { ProjectIndex } from './projectIndex';

const MAX_WALKED_ENTRIES = 50_000;
const MAX_INDEXED_FILES = 5_000;
/** At most this much LaTeX text is read from disk in all: an indexed file holds about 9 times its size in
 * memory (text, line offsets, analysis), so this keeps the index under about 300 MB. */
const MAX_INDEXED_TEXT = 32 * 1024 * 1024;
/** Rounds of following what indexed files name (an include chain longer than this is read on later events). */
const MAX_FOLLOW_ROUNDS = 16;
/** How many folders above a file opened from outside the workspace are looked at for its root. */
const PARENT_FOLDERS = 2;

export interface LoaderOptions {
  /** Larger files are not read (the analysis limit, qedNano.analysis.maxDocumentSize). */
  maxFileSize(): number;
  log(message: string): void;
}

export class ProjectLoader {
  private read = 0;
  private characters = 0;
  private toldFull = false;
  /** The reads in progress: what `settled` waits for. */
  private readonly reading = new Set<Promise<void>>();

  constructor(
    private readonly index: ProjectIndex,
    private readonly options: LoaderOptions,
  ) {}

  /**
   * Resolves when no read is in progress, or after `maxMs`: an outline asked for while a chapter's project
   * is still being read waits for it (briefly), since a client asks for it again only after an edit.
   */
  async settled(maxMs: number): Promise<void> {
    if (this.reading.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.reading]), new Promise<void>((resolve) => (timer = setTimeout(resolve, maxMs)))]);
    clearTimeout(timer);
  }

  /** Every LaTeX file under `folders`, then what they name. `progress` hears (files read, files found). */
  indexFolders(folders: readonly string[], progress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<void> {
    return this.track(this.readFolders(folders, progress, signal));
  }

  /** The LaTeX files in `folder` and in the folders above it (not below them), then what they name: a
   * chapter opened from outside the workspace finds its root. */
  indexAround(folder: string, signal?: AbortSignal): Promise<void> {
    return this.track(this.readAround(folder, signal));
  }

  /** Reads what indexed files name and the index lacks, until nothing new is found. */
  follow(signal?: AbortSignal): Promise<void> {
    return this.track(this.readNamed(signal));
  }

  /** A file changed on disk (or the editor let it go): reads it again, or forgets it when it is gone. */
  reread(file: string): Promise<void> {
    return this.track(this.readAgain(file));
  }

  private track(reading: Promise<void>): Promise<void> {
    this.reading.add(reading);
    const done = (): void => {
      this.reading.delete(reading);
    };
    reading.then(done, done);
    return reading;
  }

  private async readFolders(folders: readonly string[], progress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<void> {
    const found: string[] = [];
    for (const folder of folders) found.push(...(await walk(folder, this.options.log)));
    let done = 0;
    for (const file of found) {
      if (signal?.aborted) return;
      await this.readInto(file);
      progress?.(++done, found.length);
    }
    await this.readNamed(signal);
  }

  private async readAround(folder: string, signal?: AbortSignal): Promise<void> {
    let dir = folder;
    for (let level = 0; level <= PARENT_FOLDERS; level++) {
      for (const sibling of await latexFilesIn(dir)) await this.readInto(sibling);
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    await this.readNamed(signal);
  }

  private async readNamed(signal?: AbortSignal): Promise<void> {
    const tried = new Set<string>();
    for (let round = 0; round < MAX_FOLLOW_ROUNDS && !signal?.aborted; round++) {
      const wanted = this.index.wanted().filter((p) => !tried.has(p));
      if (wanted.length === 0) return;
      for (const file of wanted) {
        tried.add(file);
        await this.readInto(file, { mayBeMissing: true });
      }
    }
  }

  private async readAgain(file: string): Promise<void> {
    const uri = pathToFileURL(file).href;
    if (this.index.get(uri)?.open) return;
    if (!(await this.readInto(file, { mayBeMissing: true, again: true }))) this.index.delete(uri);
  }

  /** Reads `file` into the index; false when it is not there or cannot be used. `mayBeMissing`: a path the
   * index would like (its files name it) or one that changed on disk, so a file that cannot be read is not
   * logged; `again`: read even when the index holds it already. */
  private async readInto(file: string, { mayBeMissing = false, again = false }: { mayBeMissing?: boolean; again?: boolean } = {}): Promise<boolean> {
    // Only LaTeX files: a workspace's `\input{~/notes/secret}` must not bring other files into prompts.
    if (!isLatexFile(file)) return false;
    if (!again && this.index.atPath(file)) return true;
    const known = this.index.atPath(file);
    if (!known && this.read >= MAX_INDEXED_FILES) return this.full(file);
    const text = await readText(file, this.options.maxFileSize(), mayBeMissing ? undefined : this.options.log);
    if (text === undefined) return false;
    const added = text.length - (known?.document.getText().length ?? 0);
    if (this.characters + added > MAX_INDEXED_TEXT) return this.full(file);
    this.characters += added;
    if (!known) this.read++;
    this.index.set(TextDocument.create(pathToFileURL(file).href, 'latex', 0, text), 'latex', false);
    return true;
  }

  /** The index is as large as it may grow: `file` is left out, and the log says so once. */
  private full(file: string): false {
    if (!this.toldFull) {
      this.toldFull = true;
      this.options.log(`QED-Nano reads at most ${MAX_INDEXED_FILES.toLocaleString('en')} LaTeX files or ${MAX_INDEXED_TEXT / 1024 / 1024} MB of them from disk; ${file} and later ones are left out of their projects.`);
    }
    return false;
  }
}

/** A file's text, or undefined (logged unless `log` is undefined) when it is no regular file, too large or
 * unreadable. Opened without blocking: a named pipe cannot hang the server. */
async function readText(file: string, maxSize: number, log?: (message: string) => void): Promise<string | undefined> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const stats = await handle.stat();
    if (!stats.isFile()) return undefined;
    if (stats.size > maxSize) {
      log?.(`QED-Nano leaves ${file} out of its project: ${stats.size.toLocaleString('en')} bytes, more than qedNano.analysis.maxDocumentSize.`);
      return undefined;
    }
    return (await handle.readFile()).toString('utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') log?.(`QED-Nano could not read ${file}: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

async function latexFilesIn(dir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isFile() && isLatexFile(e.name)).map((e) => path.join(dir, e.name)).sort();
  } catch {
    return [];
  }
}

/** The LaTeX files under `root`, breadth first, in a stable order, within the walk's bound. */
async function walk(root: string, log: (message: string) => void): Promise<string[]> {
  const files: string[] = [];
  const queue = [root];
  let entriesSeen = 0;
  while (queue.length > 0) {
    const dir = queue.shift()!;
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (++entriesSeen > MAX_WALKED_ENTRIES) {
        log(`QED-Nano looked at ${MAX_WALKED_ENTRIES.toLocaleString('en')} entries under ${root} and stopped there; LaTeX files beyond them are read when a file names them.`);
        return files;
      }
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) queue.push(full);
      else if (entry.isFile() && isLatexFile(entry.name)) files.push(full);
    }
  }
  return files;
}
