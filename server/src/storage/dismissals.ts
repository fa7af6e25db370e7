/**
 * Critique findings the user dismissed, remembered per workspace by a hash of the step's text: the finding
 * stays hidden while the step reads the same (also after the server restarts, and in another server on the
 * same storage folder), and comes back as soon as the step is edited, since its text then hashes
 * differently. Kept by jsonFile.ts; when the file cannot be used, dismissals last for this session.
 */
import { JsonFile, withStorage } from './jsonFile';
import { sha256 as hash, workspaceFile, type OnStorageProblem } from './workspaceFiles';

/** More than any user dismisses; the oldest go first. */
const MAX_REMEMBERED = 5000;

export class DismissedSteps {
  private readonly file: JsonFile<string>;
  private hashes = new Set<string>();
  private readAt = -1;

  /** `workspace`: the workspace's root (a URI), or undefined for files opened without one. */
  constructor(storagePath: string, workspace: string | undefined, log: (message: string) => void, private readonly onProblem: OnStorageProblem) {
    this.file = new JsonFile(workspaceFile(storagePath, 'dismissed-findings', workspace), (v) => (typeof v === 'string' && /^[0-9a-f]{64}$/.test(v) ? v : undefined), log);
  }

  has(stepText: string): boolean {
    this.refresh();
    return this.hashes.has(hash(stepText));
  }

  add(stepText: string): void {
    const added = hash(stepText);
    this.hashes.add(added);
    const saved = withStorage(() => this.file.update((onDisk) => [...new Set([...onDisk, ...this.hashes])].slice(-MAX_REMEMBERED)), this.onProblem);
    if (!saved) return;
    this.hashes = new Set(saved);
    this.readAt = this.file.changedAt();
  }

  /** Takes in what another server on the same folder dismissed (the file changed since it was read). */
  private refresh(): void {
    const changedAt = this.file.changedAt();
    if (changedAt === this.readAt) return;
    this.readAt = changedAt;
    for (const saved of withStorage(() => this.file.read(), this.onProblem) ?? []) this.hashes.add(saved);
  }
}
