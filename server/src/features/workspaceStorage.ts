/**
 * Per-workspace files in the server's storage folder (dismissed findings, chat conversations): one JSON file
 * per workspace in a folder per kind, named by a hash of the workspace root, so nothing of the path leaks
 * into file names and workspaces never share state.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** `workspace`: the workspace's root (a URI), or undefined for files opened without one. */
export function workspaceFile(storagePath: string, kind: string, workspace: string | undefined): string {
  const folder = path.join(storagePath, kind);
  mkdirSync(folder, { recursive: true });
  return path.join(folder, `${sha256(workspace ?? 'no workspace').slice(0, 16)}.json`);
}

/** The file's JSON, or undefined when it is missing or unreadable (it is then started afresh). */
export function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
