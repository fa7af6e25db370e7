/**
 * Remembers model files that crashed the server while loading. Some faults inside llama.cpp abort the whole
 * process (no error can be caught); without this, a client that restarts the server would load the same
 * file again and crash again, forever.
 *
 * Before a load, a marker names the file (path, size, modification time); after the load, success or
 * failure, the marker is removed. A marker found at start-up means the last load killed the process: the
 * file is recorded as crashed and is not loaded again until the user asks for it explicitly.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

interface FileIdentity {
  path: string;
  size: number;
  mtimeMs: number;
}

export class CrashGuard {
  private readonly markerFile: string;
  private readonly crashedFile: string;
  private crashed: FileIdentity[];

  constructor(storagePath: string) {
    mkdirSync(storagePath, { recursive: true });
    this.markerFile = path.join(storagePath, 'model-load-in-progress.json');
    this.crashedFile = path.join(storagePath, 'crashed-models.json');
    this.crashed = readJson<FileIdentity[]>(this.crashedFile) ?? [];
    const interrupted = readJson<FileIdentity>(this.markerFile);
    if (interrupted) {
      this.crashed.push(interrupted);
      writeFileSync(this.crashedFile, JSON.stringify(this.crashed));
      rmSync(this.markerFile, { force: true });
    }
  }

  /** Whether loading `file` (as it is now on disk) crashed the server before. */
  crashedBefore(file: string): boolean {
    const identity = identify(file);
    return identity !== undefined && this.crashed.some((c) => same(c, identity));
  }

  /** Forgets that `file` crashed (the user asked to load it anyway). */
  forgive(file: string): void {
    const identity = identify(file);
    if (!identity) return;
    this.crashed = this.crashed.filter((c) => !same(c, identity));
    writeFileSync(this.crashedFile, JSON.stringify(this.crashed));
  }

  /** Runs `load` with the marker in place. */
  async guard<T>(file: string, load: () => Promise<T>): Promise<T> {
    const identity = identify(file);
    if (identity) writeFileSync(this.markerFile, JSON.stringify(identity));
    try {
      return await load();
    } finally {
      rmSync(this.markerFile, { force: true });
    }
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
