/**
 * The client's side of proof completions: the language client asks the server for inline completions
 * (`textDocument/inlineCompletion`); this middleware decides when. `qedNano.completion.mode`: `automatic`
 * waits for a pause in typing (`qedNano.completion.debounceMs`) and gives up the moment the user types on
 * (VS Code cancels the request); `manual` answers only "QED-Nano: Suggest Next Step" (an explicit trigger);
 * `off` never asks. A small cache, keyed by the text before the cursor, brings a suggestion back at once
 * after undo, redo, or retyping the same prefix.
 */
import * as vscode from 'vscode';
import type { Middleware } from 'vscode-languageclient/node';
import { resolveSettings } from '../../server/src/settings';
import { SETTINGS_SECTION } from '../../server/src/wireNames';

/** Characters before the cursor that identify a suggestion's context in the cache. */
const CACHE_KEY_CONTEXT = 4000;
const CACHE_SIZE = 32;

type Provide = NonNullable<Middleware['provideInlineCompletionItems']>;
type Items = Awaited<ReturnType<Provide>>;

export function completionMiddleware(): Pick<Middleware, 'provideInlineCompletionItems'> {
  const cache = new Map<string, Items>();
  const provideInlineCompletionItems: Provide = async (document, position, context, token, next) => {
    // A WorkspaceConfiguration's own values, as a plain object (what the server is sent too).
    const configured: unknown = JSON.parse(JSON.stringify(vscode.workspace.getConfiguration(SETTINGS_SECTION, document.uri)));
    const { mode, debounceMs } = resolveSettings(configured).completion;
    const asked = context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke;
    if (mode === 'off' || (mode === 'manual' && !asked)) return null;
    const start = document.positionAt(Math.max(0, document.offsetAt(position) - CACHE_KEY_CONTEXT));
    const key = `${document.uri.toString()}\n${document.getText(new vscode.Range(start, position))}`;
    const cached = cache.get(key);
    if (cached) return cached;
    if (!asked) {
      await new Promise((resolve) => setTimeout(resolve, debounceMs));
      if (token.isCancellationRequested) return null;
    }
    const items = await next(document, position, context, token);
    if (token.isCancellationRequested || !items || (Array.isArray(items) ? items.length === 0 : items.items.length === 0)) return items;
    cache.delete(key);
    cache.set(key, items);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
    return items;
  };
  return { provideInlineCompletionItems };
}
