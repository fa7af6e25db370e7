/**
 * Reads the LaTeX files of projects from disk into the project index: every `.tex`/`.sty`/`.cls` under the
 * workspace folders (in the background, with progress), the folders around a file opened from elsewhere
 * (where its root may be), and whatever the indexed files name that is not indexed yet (an `\input` outside
 * the folders, a magic comment's root). Bounded: a walk stops after `MAX_WALKED_ENTRIES` folder entries and
 * the index after `maxFiles` files (qedNano.analysis.maxProjectFiles) or `MAX_INDEXED_TEXT` characters read
 * from disk (a home folder opened as a workspace must not take the machine); hidden folders, `node_modules`
 * and symbolic links are not walked into. A file that cannot be read, is not a regular file or is larger
 * than the analysis limit is left out (logged, not an error).
 * What a name leads to is judged by its real path (symbolic links resolved): only a file whose real name has
 * a LaTeX extension is read, whatever an `\input` names; a link inside the workspace folders that leads out
 * of them is not followed; a file reached through linked folders by several paths (a folder linked to
 * itself, `d -> .`) is read once, under the first.
 * When the workspace holds more LaTeX files than the cap, its roots (the files with `\documentclass`) and
 * what they include are read first, and the user is told once what was left out and which setting raises
 * the cap. Progress is reported at most once per percent.
 */
import { promises as fs, constants } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { isLatexFile } from '../documents/formats';
import { DEFAULT_MAX_PROJECT_FILES } from '../documents/limits';
import type { ProjectIndex } from './projectIndex';

const MAX_WALKED_ENTRIES = 50_000;
/** How much of a file is looked at to tell a root (`\documentclass`) when not every file can be read. */
const ROOT_SNIFF_BYTES = 8192;
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
  /** At most this many files are read from disk (qedNano.analysis.maxProjectFiles); DEFAULT_MAX_PROJECT_FILES if absent. */
  maxFiles?(): number;
  log(message: string): void;
}

export class ProjectLoader {
  private read = 0;
  private characters = 0;
  /** Files the cap left out (each counted once). */
  private readonly leftOut = new Set<string>();
  private toldFull = false;
  /** The workspace folders (a link in them must not lead out of them), with their real paths once known. */
  private folders: string[] = [];
  private readonly realFolders = new Map<string, string>();
  /** Each file read, by its real path: the first path it was read under. */
  private readonly readAs = new Map<string, string>();
  /** Where the user is told (once) that files were left out; only the log says it until one is set. */
  private warn: ((message: string) => void) | undefined;
  /** The reads in progress: what `settled` waits for. */
  private readonly reading = new Set<Promise<void>>();

  constructor(
    private readonly index: ProjectIndex,
    private readonly options: LoaderOptions,
  ) {}

  /** The workspace folders now: a link inside them is followed only to a file inside them. */
  setFolders(folders: readonly string[]): void {
    this.folders = [...folders];
  }

  /** Tells the user through `warn` (window/showMessage) when the cap leaves files out, once. */
  warnWith(warn: (message: string) => void): void {
    this.warn = warn;
  }

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

  private get maxFiles(): number {
    return this.options.maxFiles?.() ?? DEFAULT_MAX_PROJECT_FILES;
  }

  private async readFolders(folders: readonly string[], progress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<void> {
    const found: string[] = [];
    for (const folder of folders) {
      if (!this.folders.includes(folder)) this.folders.push(folder);
      found.push(...(await walk(folder, this.options.log)));
    }
    const room = Math.max(0, this.maxFiles - this.read);
    // Progress counts the files taken (read, or found unusable), at most once per percent.
    const total = Math.min(found.length, room);
    const taken = new Set<string>();
    let shownPercent = -1;
    const take = async (file: string): Promise<void> => {
      if (taken.has(file)) return;
      taken.add(file);
      await this.readInto(file);
      const done = Math.min(taken.size, total);
      const percent = Math.floor((100 * done) / total);
      if (total > 0 && percent !== shownPercent) progress?.(done, total);
      shownPercent = percent;
    };
    if (found.length > room) {
      // Not every file can be read: the roots and what they include first, so no project loses its root.
      for (const file of found) {
        if (signal?.aborted) return;
        if (await looksLikeRoot(file)) await take(file);
      }
      await this.readNamed(signal);
      for (const file of found) if (this.index.atPath(file)) taken.add(file);
    }
    for (const file of found) {
      if (signal?.aborted) return;
      if (this.read >= this.maxFiles && !this.index.atPath(file)) this.leftOut.add(file);
      else await take(file);
    }
    await this.readNamed(signal);
    this.tellIfFull();
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
      if (wanted.length === 0) break;
      for (const file of wanted) {
        tried.add(file);
        await this.readInto(file, { mayBeMissing: true });
      }
    }
    this.tellIfFull();
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
    const real = await realPath(file);
    if (real === undefined) return false;
    if (!known && this.read >= this.maxFiles) return this.full(file);
    if (real !== file) {
      // The same rules for where a link leads: `link.tex -> ../notes.txt` is no LaTeX file.
      if (!(await this.mayFollow(file, real))) {
        if (!mayBeMissing) this.options.log(`QED-Nano does not read ${file}: it leads to ${real}, which is not a LaTeX file inside the workspace folders.`);
        return false;
      }
      // Through a linked folder (`d -> .`) one file has endless paths (d/x.tex, d/d/x.tex...): it is read once.
      // (A link to a file is read under its own name: the project that names it needs it there.)
      const readBefore = this.readAs.get(real);
      if (readBefore !== undefined && readBefore !== file && this.index.atPath(readBefore) && (await realPath(path.dirname(file))) !== path.dirname(file)) return false;
    }
    const text = await readText(real, this.options.maxFileSize(), mayBeMissing ? undefined : this.options.log);
    if (text === undefined) return false;
    const added = text.length - (known?.document.getText().length ?? 0);
    if (this.characters + added > MAX_INDEXED_TEXT) return this.full(file);
    this.characters += added;
    if (!known) this.read++;
    const first = this.readAs.get(real);
    if (first === undefined || !this.index.atPath(first)) this.readAs.set(real, file);
    this.index.set(TextDocument.create(pathToFileURL(file).href, 'latex', 0, text), 'latex', false);
    return true;
  }

  /** Whether a link at `file` to `real` is followed: to a LaTeX file, and not out of the workspace folders. */
  private async mayFollow(file: string, real: string): Promise<boolean> {
    if (!isLatexFile(real)) return false;
    if (!this.folders.some((folder) => inside(folder, file))) return true;
    for (const folder of this.folders) {
      let realFolder = this.realFolders.get(folder);
      if (realFolder === undefined) this.realFolders.set(folder, (realFolder = (await realPath(folder)) ?? folder));
      if (inside(realFolder, real)) return true;
    }
    return false;
  }

  /** The index is as large as it may grow: `file` is left out (counted for the message). */
  private full(file: string): false {
    this.leftOut.add(file);
    return false;
  }

  /** Says once, when files were left out, how many and which setting raises the cap. */
  private tellIfFull(): void {
    if (this.toldFull || this.leftOut.size === 0) return;
    this.toldFull = true;
    const message =
      `QED-Nano read ${this.read.toLocaleString('en')} LaTeX files from disk, the most it reads (qedNano.analysis.maxProjectFiles: ${this.maxFiles.toLocaleString('en')} files, or ${MAX_INDEXED_TEXT / 1024 / 1024} MB), ` +
      `and left ${this.leftOut.size.toLocaleString('en')} out of their projects (the roots and what they include were read first). Raise qedNano.analysis.maxProjectFiles to read them (at the next start).`;
    this.options.log(message);
    this.warn?.(message);
  }
}

/** A path with every symbolic link resolved; undefined when it does not exist. */
async function realPath(file: string): Promise<string | undefined> {
  try {
    return await fs.realpath(file);
  } catch {
    return undefined;
  }
}

/** Whether `file` is below `folder`. */
function inside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** Whether a file's beginning has `\documentclass` outside a comment: a root, read first when not all can be. */
async function looksLikeRoot(file: string): Promise<boolean> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    if (!(await handle.stat()).isFile()) return false;
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(ROOT_SNIFF_BYTES), 0, ROOT_SNIFF_BYTES, 0);
    return buffer.toString('utf8', 0, bytesRead).split('\n').some((line) => /^\s*\\documentclass\b/.test(line));
  } catch {
    return false;
  } finally {
    await handle?.close().catch(() => undefined);
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
