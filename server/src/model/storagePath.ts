/**
 * Where downloaded models and the server's own state live when no client names a folder (other editors,
 * the command line): `$XDG_CACHE_HOME/qed-nano`, or `~/.cache/qed-nano`. The VS Code extension passes its
 * global storage instead.
 */
import * as os from 'node:os';
import * as path from 'node:path';

export function defaultStoragePath(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'qed-nano');
}
