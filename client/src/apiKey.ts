/**
 * "QED-Nano: Set API Key for the Remote Engine": the key of the servers in qedNano.remote.endpoints, kept
 * in VS Code's secret storage (the OS keychain), never in settings. The language server gets it in its
 * environment (QED_NANO_API_KEY, as other editors and the command line give it) and restarts to use it.
 */
import * as vscode from 'vscode';
import type { CommandContext } from './commandContext';

const SECRET = 'qedNano.remote.apiKey';

export function storedApiKey(context: vscode.ExtensionContext): Thenable<string | undefined> {
  return context.secrets.get(SECRET);
}

/** Set API Key. `key`: given by a caller (a script, a test); otherwise the user types it (hidden). Empty
 * removes it. */
export async function setApiKey(ctx: CommandContext, key?: string): Promise<boolean> {
  const value =
    typeof key === 'string'
      ? key
      : await vscode.window.showInputBox({
          title: 'QED-Nano: API key for the remote engine',
          prompt: 'The key of the servers in qedNano.remote.endpoints. Kept in VS Code\'s secret storage; leave empty to remove it.',
          password: true,
          ignoreFocusOut: true,
        });
  if (value === undefined) return false;
  const trimmed = value.trim();
  if (trimmed) await ctx.extension.secrets.store(SECRET, trimmed);
  else await ctx.extension.secrets.delete(SECRET);
  await (await ctx.client()).setApiKey(trimmed || undefined);
  void vscode.window.setStatusBarMessage(trimmed ? 'QED-Nano: API key saved; the language server restarted to use it.' : 'QED-Nano: API key removed.', 5000);
  return true;
}
