/**
 * One JSON file of the server's storage (conversations, dismissed findings, consents), kept so that nothing
 * stored is lost and nothing stored can stop the server:
 *  - Read: a missing file is empty; every entry is validated (`parse` returns undefined for a bad one, which
 *    is dropped and logged); a file that cannot be read at all (a folder in its place, no permission) is a
 *    problem reported in words, with its path, and the feature goes on in memory.
 *  - Write: atomic. The new content goes to a temporary file beside it, is flushed to disk, and replaces the
 *    file by a rename, so a full disk or a crash mid-write leaves the previous file whole.
 *  - Shared: two servers on one storage folder (two windows without a workspace) never overwrite each
 *    other. Every update takes a lock file (created exclusively, naming its owner's process and host), reads
 *    what is on disk now, applies the change to that, and writes it. A lock is stale, and taken over, when
 *    its owner's process is gone (same host) or it has existed for LOCK_STALE_MS: its age is measured from
 *    its time stamp or from when this server first saw it, whichever is longer, so a lock dated in the
 *    future (a clock stepped back, a shared folder with skew) still ages. Waiting for a live lock never
 *    blocks the event loop (`update` waits asynchronously); `updateNow` does not wait at all.
 * No folder is created until the first write, so a read-only or broken storage folder costs nothing until a
 * feature wants to keep something.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';

/** A lock older than this belongs to a server that died while holding it (a live one holds it for
 * milliseconds). */
const LOCK_STALE_MS = 10_000;
/** How long an update waits for another server's lock before it gives up (and says so). */
const LOCK_WAIT_MS = 2_000;
/** How often a waiting update looks at the lock again. */
const LOCK_POLL_MS = 20;

/** What a feature is told when its storage cannot be used: the sentence the user reads. */
export class StorageProblem extends Error {
  constructor(
    readonly file: string,
    what: 'read' | 'write',
    cause: unknown,
  ) {
    super(`QED-Nano cannot ${what} ${file}: ${reason(cause)}.`);
    this.name = 'StorageProblem';
  }
}

/** The file system calls a JsonFile makes (the tests put a full disk in between). */
export interface StorageIo {
  writeFile(file: string, data: string): void;
}

const NODE_IO: StorageIo = {
  writeFile(file, data) {
    const fd = openSync(file, 'w', 0o600);
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  },
};

export class JsonFile<Entry> {
  /** The lock we last found held, and when we first saw it (performance.now(): it never goes back). */
  private seen: { key: string; at: number } | undefined;

  constructor(
    readonly file: string,
    /** An entry as read from disk, checked: the entry, or undefined when it is not one. */
    private readonly parse: (value: unknown) => Entry | undefined,
    /** Where dropped entries and problems are logged. */
    private readonly log: (message: string) => void,
    private readonly io: StorageIo = NODE_IO,
  ) {}

  /** The valid entries on disk now; [] when there is no file. Throws a StorageProblem when the file cannot
   * be read; a file that is not JSON (a crash of a version before writes were atomic) counts as empty. */
  read(): Entry[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new StorageProblem(this.file, 'read', error);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.log(`${this.file} is not JSON; it is started afresh.`);
      return [];
    }
    if (!Array.isArray(value)) {
      this.log(`${this.file} holds no list; it is started afresh.`);
      return [];
    }
    const entries: Entry[] = [];
    let dropped = 0;
    for (const item of value) {
      const entry = this.parse(item);
      if (entry === undefined) dropped++;
      else entries.push(entry);
    }
    if (dropped > 0) this.log(`${this.file}: ${dropped} malformed ${dropped === 1 ? 'entry was' : 'entries were'} dropped.`);
    return entries;
  }

  /** When the file last changed (0 when there is none), to notice another server's writes cheaply. */
  changedAt(): number {
    try {
      return statSync(this.file).mtimeMs;
    } catch {
      return 0;
    }
  }

  /**
   * Applies `change` to what is on disk now, under the lock, and writes the result atomically; resolves with
   * it. Waits for another server's lock (asynchronously, at most LOCK_WAIT_MS). Rejects with a
   * StorageProblem (nothing on disk changed) when the folder, the lock or the write fails. With the lock free
   * the whole update runs before this returns.
   */
  async update(change: (current: Entry[]) => Entry[]): Promise<Entry[]> {
    const deadline = performance.now() + LOCK_WAIT_MS;
    for (;;) {
      const written = this.tryUpdate(change);
      if (written) return written;
      if (performance.now() > deadline) throw new StorageProblem(this.file, 'write', new Error(`another QED-Nano server holds ${this.file}.lock`));
      await pause(LOCK_POLL_MS);
    }
  }

  /** `update` without waiting: a lock another live server holds is a StorageProblem at once. */
  updateNow(change: (current: Entry[]) => Entry[]): Entry[] {
    const written = this.tryUpdate(change);
    if (!written) throw new StorageProblem(this.file, 'write', new Error(`another QED-Nano server holds ${this.file}.lock`));
    return written;
  }

  /** The update if the lock could be taken now; undefined when a live server holds it. */
  private tryUpdate(change: (current: Entry[]) => Entry[]): Entry[] | undefined {
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
    } catch (error) {
      throw new StorageProblem(this.file, 'write', error);
    }
    const unlock = this.lock();
    if (!unlock) return undefined;
    try {
      const next = change(this.read());
      const temporary = `${this.file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      try {
        this.io.writeFile(temporary, JSON.stringify(next));
        renameSync(temporary, this.file);
      } catch (error) {
        rmSync(temporary, { force: true });
        throw new StorageProblem(this.file, 'write', error);
      }
      return next;
    } finally {
      unlock();
    }
  }

  /** Takes the file's lock if it is free or stale; returns its release, or undefined when it is held. */
  private lock(): (() => void) | undefined {
    const lockFile = `${this.file}.lock`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(lockFile, 'wx');
        try {
          writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname() }));
        } finally {
          closeSync(fd);
        }
        this.seen = undefined;
        return () => rmSync(lockFile, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new StorageProblem(this.file, 'write', error);
      }
      if (!this.stale(lockFile)) return undefined;
      rmSync(lockFile, { force: true }); // its server died holding it
    }
    return undefined;
  }

  /** Whether the lock's owner is gone (a process of this host that no longer runs) or it is too old. */
  private stale(lockFile: string): boolean {
    let owner: { pid?: unknown; host?: unknown } = {};
    let stamp: number;
    try {
      stamp = statSync(lockFile).mtimeMs;
      owner = parseOwner(readFileSync(lockFile, 'utf8'));
    } catch {
      return false; // gone meanwhile: the next attempt takes it
    }
    if (owner.host === hostname() && typeof owner.pid === 'number' && !processRuns(owner.pid)) return true;
    const key = `${stamp}:${String(owner.pid)}:${String(owner.host)}`;
    const now = performance.now();
    if (this.seen?.key !== key) this.seen = { key, at: now };
    const age = Math.max(Date.now() - stamp, now - this.seen.at, 0);
    return age > LOCK_STALE_MS;
  }
}

/**
 * Runs `action` on the storage; a StorageProblem it throws goes to `onProblem` (the feature then goes on
 * in memory) and the result is undefined. Any other error is a bug and is thrown.
 */
export function withStorage<T>(action: () => T, onProblem: (problem: StorageProblem) => void): T | undefined {
  try {
    return action();
  } catch (error) {
    if (!(error instanceof StorageProblem)) throw error;
    onProblem(error);
    return undefined;
  }
}

/** `withStorage` for an update that waits for the lock: resolves with undefined after a StorageProblem. */
export async function withStorageAsync<T>(action: () => Promise<T>, onProblem: (problem: StorageProblem) => void): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof StorageProblem)) throw error;
    onProblem(error);
    return undefined;
  }
}

/** A lock file's owner (`{}` for one written by an older version: empty). */
function parseOwner(text: string): { pid?: unknown; host?: unknown } {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : {};
  } catch {
    return {};
  }
}

/** Whether a process of this host with this id runs (EPERM: it runs as another user). The storage lock and
 * the crash guard's markers both ask it of the process that wrote them. */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** An error in words a user can act on. */
function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOSPC':
      return 'the disk is full (free some space; what was stored before is kept)';
    case 'EROFS':
      return 'the file system is read-only';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'a folder stands where the file should be (remove or rename it)';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a file stands where a folder should be (remove or rename it)';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
