/**
 * Remembers model files that crashed the server while loading. Some faults inside llama.cpp abort the whole
 * process (no error can be caught); without this, a client that restarts the server would load the same
 * file again and crash again, forever.
 *
 * Before a load, a marker for this process (`loads/<pid>.json`) names the file (path, size, modification
 * time). It is removed when the load ends (success or failure), when the process exits normally during the
 * load (window reload, Restart Language Server) and by `dispose`. A marker found at start-up whose process
 * is gone means that process died during the load: by an abort inside llama.cpp, or killed from outside
 * (kill -9, the out-of-memory killer), which cannot be told apart from here. So the file only becomes a
 * suspect: before it is loaded again, `confirm` loads it in a child process (the probe). If the probe dies,
 * the file is recorded as crashed and not loaded again until the user asks for it; if the probe loads it,
 * the suspicion is dropped. A marker of a process that still runs (another server sharing the storage
 * folder) is left alone.
 *
 * The records (crashed files, suspects) are kept by storage/jsonFile.ts: validated when read, written
 * atomically, merged with another server's. When the storage folder cannot be used, the guard reports that
 * once and guards this process's loads from memory; loading itself never depends on it.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JsonFile, processRuns, StorageProblem } from '../storage/jsonFile';

interface FileIdentity {
  path: string;
  size: number;
  mtimeMs: number;
}

interface LoadMarker {
  pid: number;
  host: string;
  file: FileIdentity;
}

/** Loads `file` in a separate process; `crashed` when that process died (a signal or an abort's exit code). */
export type LoadProbe = (file: string) => Promise<'crashed' | 'survived'>;

export class CrashGuard {
  private readonly markers: string;
  private readonly ownMarker: string;
  private readonly crashedFile: JsonFile<FileIdentity>;
  private readonly suspectsFile: JsonFile<FileIdentity>;
  private crashed: FileIdentity[] = [];
  private suspects: FileIdentity[] = [];
  private readonly removeOwnMarker = (): void => rmSync(this.ownMarker, { force: true });

  constructor(
    storagePath: string,
    private readonly probe: LoadProbe,
    private readonly onProblem: (problem: Error) => void = () => undefined,
    log: (message: string) => void = () => undefined,
  ) {
    this.markers = path.join(storagePath, 'loads');
    this.ownMarker = path.join(this.markers, `${process.pid}.json`);
    this.crashedFile = new JsonFile(path.join(storagePath, 'crashed-models.json'), fileIdentity, log);
    this.suspectsFile = new JsonFile(path.join(storagePath, 'interrupted-loads.json'), fileIdentity, log);
    this.crashed = this.guarded(() => this.crashedFile.read()) ?? [];
    this.suspects = this.guarded(() => this.suspectsFile.read()) ?? [];
    const found: FileIdentity[] = [];
    for (const name of this.guarded(() => readdirSync(this.markers)) ?? []) {
      const marker = readJson<LoadMarker>(path.join(this.markers, name));
      if (marker && marker.host === os.hostname() && marker.pid !== process.pid && processRuns(marker.pid)) continue;
      const identity = fileIdentity(marker?.file);
      if (identity) found.push(identity);
      rmSync(path.join(this.markers, name), { force: true });
    }
    if (found.length > 0) this.suspects = this.save(this.suspectsFile, (onDisk) => union(onDisk, found), union(this.suspects, found));
  }

  /** Whether loading `file` (as it is now on disk) crashed the server before. */
  crashedBefore(file: string): boolean {
    const identity = identify(file);
    return identity !== undefined && this.crashed.some((c) => same(c, identity));
  }

  /**
   * Whether loading `file` crashes the server: recorded as crashed, or, when a process died while loading
   * it, tried by the probe in a child process first (`beforeProbe` is told); a probe that dies records the
   * file as crashed.
   */
  async confirm(file: string, beforeProbe?: () => void): Promise<boolean> {
    const identity = identify(file);
    if (!identity || !this.suspects.some((s) => same(s, identity))) return this.crashedBefore(file);
    beforeProbe?.();
    const outcome = await this.probe(file);
    const cleared = (list: FileIdentity[]): FileIdentity[] => list.filter((s) => !same(s, identity));
    this.suspects = this.save(this.suspectsFile, cleared, cleared(this.suspects));
    if (outcome === 'crashed') this.crashed = this.save(this.crashedFile, (onDisk) => union(onDisk, [identity]), union(this.crashed, [identity]));
    return outcome === 'crashed';
  }

  /** Forgets that `file` crashed (the user asked to load it anyway). */
  forgive(file: string): void {
    const identity = identify(file);
    if (!identity) return;
    const forgiven = (list: FileIdentity[]): FileIdentity[] => list.filter((c) => !same(c, identity));
    this.crashed = this.save(this.crashedFile, forgiven, forgiven(this.crashed));
  }

  /** Runs `load` with this process's marker in place (without one when the storage cannot take it). */
  async guard<T>(file: string, load: () => Promise<T>): Promise<T> {
    const identity = identify(file);
    if (identity) {
      const marker: LoadMarker = { pid: process.pid, host: os.hostname(), file: identity };
      this.guarded(() => {
        mkdirSync(this.markers, { recursive: true });
        writeFileSync(this.ownMarker, JSON.stringify(marker));
      });
      process.once('exit', this.removeOwnMarker);
    }
    try {
      return await load();
    } finally {
      process.removeListener('exit', this.removeOwnMarker);
      this.removeOwnMarker();
    }
  }

  /** The server is shutting down cleanly: a load still in flight did not crash it. */
  dispose(): void {
    this.removeOwnMarker();
  }

  /** `change` applied to the records on disk; `inMemory` when the storage cannot take it. */
  private save(file: JsonFile<FileIdentity>, change: (onDisk: FileIdentity[]) => FileIdentity[], inMemory: FileIdentity[]): FileIdentity[] {
    return this.guarded(() => file.updateNow(change)) ?? inMemory; // at load: never waits for a lock
  }

  private guarded<T>(action: () => T): T | undefined {
    try {
      return action();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined; // nothing recorded yet
      this.onProblem(error instanceof StorageProblem ? error : new StorageProblem(this.markers, 'write', error));
      return undefined;
    }
  }
}

function union(a: readonly FileIdentity[], b: readonly FileIdentity[]): FileIdentity[] {
  return [...a, ...b.filter((x) => !a.some((y) => same(x, y)))];
}

/** A file identity read from disk, checked. */
function fileIdentity(value: unknown): FileIdentity | undefined {
  const v = value as Partial<FileIdentity> | undefined;
  return typeof v?.path === 'string' && Number.isFinite(v.size) && Number.isFinite(v.mtimeMs) ? { path: v.path, size: v.size!, mtimeMs: v.mtimeMs! } : undefined;
}

function identify(file: string): FileIdentity | undefined {
  try {
    const stat = statSync(file);
    return { path: path.resolve(file), size: stat.size, mtimeMs: Math.floor(stat.mtimeMs) };
  } catch {
    return undefined;
  }
}

function same(a: FileIdentity, b: FileIdentity): boolean {
  return a.path === b.path && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
