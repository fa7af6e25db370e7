/**
 * Critique findings the user dismissed, remembered per workspace by a hash of the step's text: the finding
 * stays hidden while the step reads the same (also after the server restarts), and comes back as soon as
 * the step is edited, since its text then hashes differently.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** More than any user dismisses; the oldest go first. */
const MAX_REMEMBERED = 5000;

export class DismissedSteps {
  private readonly file: string;
  private readonly hashes: string[];

  /** `workspace`: the workspace's root (a URI), or undefined for files opened without one. */
  constructor(storagePath: string, workspace: string | undefined) {
    const folder = path.join(storagePath, 'dismissed-findings');
    mkdirSync(folder, { recursive: true });
    this.file = path.join(folder, `${hash(workspace ?? 'no workspace').slice(0, 16)}.json`);
    this.hashes = read(this.file);
  }

  has(stepText: string): boolean {
    return this.hashes.includes(hash(stepText));
  }

  add(stepText: string): void {
    if (this.has(stepText)) return;
    this.hashes.push(hash(stepText));
    this.hashes.splice(0, Math.max(0, this.hashes.length - MAX_REMEMBERED));
    writeFileSync(this.file, JSON.stringify(this.hashes));
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function read(file: string): string[] {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}
