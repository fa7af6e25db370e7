/**
 * Critique findings the user dismissed, remembered per workspace by a hash of the step's text: the finding
 * stays hidden while the step reads the same (also after the server restarts, and in another server on the
 * same storage folder), and comes back as soon as the step is edited, since its text then hashes
 * differently. Kept by jsonFile.ts; when the file cannot be used, dismissals last for this session.
 * Bounded: at most MAX_REMEMBERED per workspace, on disk and in memory (the oldest go first), however many a
 * file holds when it is read (one written by hand or by an older version).
 */
import { JsonFile, withStorage, withStorageAsync } from './jsonFile';
import { sha256 as hash, workspaceFile, type OnStorageProblem } from './workspaceFiles';

/** More than any user dismisses; the oldest go first. */
export const MAX_REMEMBERED = 5000;

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

  /** Hides the step's findings now; resolves once the dismissal is on disk (or the storage said why not). */
  async add(stepText: string): Promise<void> {
    const added = hash(stepText);
    this.hashes.delete(added); // the newest dismissal is the last to go (a Set keeps insertion order)
    this.hashes.add(added);
    if (this.hashes.size > MAX_REMEMBERED) this.hashes.delete(this.hashes.values().next().value!);
    const saved = await withStorageAsync(() => this.file.update((onDisk) => [...newest([...onDisk, ...this.hashes])]), this.onProblem);
    if (!saved) return;
    // What was dismissed while this write waited for the lock stays (the newest last).
    this.hashes = newest([...saved, ...this.hashes]);
    this.readAt = this.file.changedAt();
  }

  /** Takes in what another server on the same folder dismissed (the file changed since it was read). */
  private refresh(): void {
    const changedAt = this.file.changedAt();
    if (changedAt === this.readAt) return;
    this.readAt = changedAt;
    const saved = withStorage(() => this.file.read(), this.onProblem);
    if (saved) this.hashes = newest([...this.hashes, ...saved.slice(-MAX_REMEMBERED)]);
  }
}

/** The last MAX_REMEMBERED distinct hashes of `hashes` (oldest first). */
function newest(hashes: readonly string[]): Set<string> {
  const distinct = [...new Set(hashes)];
  return new Set(distinct.length > MAX_REMEMBERED ? distinct.slice(-MAX_REMEMBERED) : distinct);
}
