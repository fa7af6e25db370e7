/**
 * Where per-workspace state lives in the server's storage folder: one JSON file per workspace in a folder
 * per kind, named by a hash of the workspace root, so nothing of the path leaks into file names and
 * workspaces never share state. Only the path: nothing is created here (see jsonFile.ts).
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';

/** `workspace`: the workspace's root (a URI), or undefined for files opened without one. */
export function workspaceFile(storagePath: string, kind: string, workspace: string | undefined): string {
  return path.join(storagePath, kind, `${sha256(workspace ?? 'no workspace').slice(0, 16)}.json`);
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** What a store tells the server when its file cannot be used: it goes on in memory, and the user reads
 * the problem once (a StorageProblem's message names the file and the reason). */
export type OnStorageProblem = (problem: Error) => void;
