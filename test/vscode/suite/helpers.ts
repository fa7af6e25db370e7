/** Helpers for the tests that run inside VS Code's extension host. */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'qed-nano.qed-nano';

/** Polls `probe` until it returns a value other than undefined, or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the tests need the fixture workspace open');
  return vscode.Uri.joinPath(folder.uri, name);
}

export async function openFile(name: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(workspaceFile(name));
  return vscode.window.showTextDocument(document);
}

/** Our structural diagnostics of `uri`, once `accept` holds for them. */
export function structureDiagnostics(
  uri: vscode.Uri,
  accept: (diagnostics: vscode.Diagnostic[]) => boolean,
  what: string,
): Promise<vscode.Diagnostic[]> {
  return waitFor(what, () => {
    const ours = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'QED-Nano structure');
    return accept(ours) ? ours : undefined;
  });
}

/** Asks the test runner to press `keys` (Playwright key names, e.g. `Tab`, `Shift+Tab`) on the real keyboard,
 * and waits until it has. */
export async function pressKeys(...keys: string[]): Promise<void> {
  await askRunner('keys', keys.join(' '), `the keys ${keys.join(' ')}`, 15_000);
}

/** Asks the test runner to click the workbench button labelled `label` (e.g. a notification's action), and
 * waits until it has. */
export async function clickButton(label: string): Promise<void> {
  await askRunner('click', label, `a click on ${label}`, 30_000);
}

/** What the runner found in a side-panel view's page (see actInView in codeServerAsVSCode.mjs). */
export interface ViewProbe {
  found: boolean;
  /** The view's script runs (it marks its page). */
  scriptRan: boolean;
  /** panel.css applies (it marks the page). */
  styled: boolean;
  buttons: { id: string; text: string; disabled: boolean; color: string; background: string }[];
  /** The page's visible text (its first 2,000 characters). */
  text: string;
  /** The view's size in CSS pixels. */
  viewport: { width: number; height: number };
}

/**
 * Asks the runner to act inside the side-panel view whose page has the element `request.view`, as a user
 * would (a click, typing), and then to report what the view shows.
 */
export async function actInView(request: { view: string; do: 'probe' | 'click' | 'type'; selector?: string; text?: string }): Promise<ViewProbe> {
  const answer = JSON.parse(await askRunner('view', JSON.stringify(request), `the view ${request.view}`, 20_000)) as Partial<ViewProbe> & { error?: string };
  if (answer.error) throw new Error(`acting in the view ${request.view}: ${answer.error}`);
  return { found: false, scriptRan: false, styled: false, buttons: [], text: '', viewport: { width: 0, height: 0 }, ...answer };
}

/** Logs `[qed-<action>] ID ARGS` for the runner (codeServerAsVSCode.mjs), waits for its ID.keys-done file
 * and returns what the runner wrote there. */
async function askRunner(action: 'keys' | 'click' | 'view', args: string, what: string, timeoutMs: number): Promise<string> {
  const output = process.env.QED_TEST_OUTPUT;
  if (!output) throw new Error('QED_TEST_OUTPUT is not set');
  const id = `${action}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const done = path.join(output, `${id}.keys-done`);
  console.log(`[qed-${action}] ${id} ${args}`);
  await waitFor(what, () => (existsSync(done) ? true : undefined), timeoutMs);
  const answer = readFileSync(done, 'utf8');
  rmSync(done, { force: true });
  return answer;
}

/** Asks the test runner for a screenshot of the whole workbench and waits until the file exists. */
export async function screenshot(name: string): Promise<string> {
  const output = process.env.QED_TEST_OUTPUT;
  if (!output) throw new Error('QED_TEST_OUTPUT is not set');
  const file = path.join(output, `${process.env.QED_TEST_MODE ?? 'development'}-${name}.png`);
  rmSync(file, { force: true }); // a file from an earlier run must not count as this one
  console.log(`[qed-screenshot] ${path.basename(file)}`);
  return waitFor(`the screenshot ${file}`, () => (existsSync(file) ? file : undefined), 15_000);
}
