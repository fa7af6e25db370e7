/**
 * Critique findings the user dismissed, remembered per workspace by a hash of the step's text: the finding
 * stays hidden while the step reads the same (also after the server restarts), and comes back as soon as
 * the step is edited, since its text then hashes differently.
 */
import { writeFileSync } from 'node:fs';
import { readJsonFile, sha256 as hash, workspaceFile } from './workspaceStorage';

/** More than any user dismisses; the oldest go first. */
const MAX_REMEMBERED = 5000;

export class DismissedSteps {
  private readonly file: string;
  private readonly hashes: string[];

  /** `workspace`: the workspace's root (a URI), or undefined for files opened without one. */
  constructor(storagePath: string, workspace: string | undefined) {
    this.file = workspaceFile(storagePath, 'dismissed-findings', workspace);
    const saved = readJsonFile(this.file);
    this.hashes = Array.isArray(saved) ? saved.filter((v): v is string => typeof v === 'string') : [];
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
