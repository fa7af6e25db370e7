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
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

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
  private readonly crashedFile: string;
  private readonly suspectsFile: string;
  private crashed: FileIdentity[];
  private suspects: FileIdentity[];
  private readonly removeOwnMarker = (): void => rmSync(this.ownMarker, { force: true });

  constructor(
    storagePath: string,
    private readonly probe: LoadProbe,
  ) {
    this.markers = path.join(storagePath, 'loads');
    mkdirSync(this.markers, { recursive: true });
    this.ownMarker = path.join(this.markers, `${process.pid}.json`);
    this.crashedFile = path.join(storagePath, 'crashed-models.json');
    this.suspectsFile = path.join(storagePath, 'interrupted-loads.json');
    this.crashed = readJson<FileIdentity[]>(this.crashedFile) ?? [];
    this.suspects = readJson<FileIdentity[]>(this.suspectsFile) ?? [];
    for (const name of readdirSync(this.markers)) {
      const marker = readJson<LoadMarker>(path.join(this.markers, name));
      if (marker && marker.host === os.hostname() && marker.pid !== process.pid && isAlive(marker.pid)) continue;
      if (marker?.file && !this.suspects.some((s) => same(s, marker.file))) this.suspects.push(marker.file);
      rmSync(path.join(this.markers, name), { force: true });
    }
    writeFileSync(this.suspectsFile, JSON.stringify(this.suspects));
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
    this.suspects = this.suspects.filter((s) => !same(s, identity));
    writeFileSync(this.suspectsFile, JSON.stringify(this.suspects));
    if (outcome === 'crashed') {
      this.crashed.push(identity);
      writeFileSync(this.crashedFile, JSON.stringify(this.crashed));
    }
    return outcome === 'crashed';
  }

  /** Forgets that `file` crashed (the user asked to load it anyway). */
  forgive(file: string): void {
    const identity = identify(file);
    if (!identity) return;
    this.crashed = this.crashed.filter((c) => !same(c, identity));
    writeFileSync(this.crashedFile, JSON.stringify(this.crashed));
  }

  /** Runs `load` with this process's marker in place. */
  async guard<T>(file: string, load: () => Promise<T>): Promise<T> {
    const identity = identify(file);
    if (identity) {
      const marker: LoadMarker = { pid: process.pid, host: os.hostname(), file: identity };
      writeFileSync(this.ownMarker, JSON.stringify(marker));
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
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
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
