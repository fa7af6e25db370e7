/**
 * The one host of QED-Nano's side-panel views (Proof, Chat): a webview view that loads its script and the
 * shared styles (panel.css, KaTeX's) from dist/media only, under a strict Content-Security-Policy with a
 * per-load nonce, and passes typed messages both ways.
 *
 * The host owns the view's handshake, so no controller can get it wrong:
 * - It keeps what the view shows: every message posted is applied to the host's copy of the view state with
 *   the view's own reducer (the same function the view's script runs), and on every `ready` (first load,
 *   shown again after being hidden, reloaded) the whole state is sent as one `restore` message. Messages
 *   posted while the view is not ready are not queued: the restore carries their effect.
 * - It watches for `ready` (readyWatchdog.ts: VS Code's webviews can lose a race with their service worker in
 *   a fresh profile, microsoft/vscode#125993): when none comes in time it sets the page again, has VS Code
 *   reload its webviews, sets the page once more, and only then tells the user, with Reload Window. Nothing
 *   is lost by a reload: the restore brings the state back.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ViewModel } from '../../media/src/viewScript';
import { ReadyWatchdog } from './readyWatchdog';

export interface ViewPage {
  /** The view's id in package.json. */
  id: string;
  title: string;
  /** Its script in dist/media (bundled from media/src). */
  script: string;
  /** Its static markup (no model text). */
  body: string;
}

/** Tests only (test/vscode/firstRun): each view's first page comes up as the service-worker race leaves it,
 * without its script and styles, so the recovery is exercised in every run, not only when the race is lost. */
const DEAD_FIRST_PAGE = process.env.QED_TEST_WEBVIEW_FAULT === 'dead-first-page';

export class WebviewHost<State, ToView extends { type: string }, FromView extends { type: string }> implements vscode.WebviewViewProvider {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  /** What the view shows, as the host told it; undefined until the host tells it anything (a view restored
   * after a window reload keeps what it saved itself). */
  private shown: State | undefined;
  private readonly watchdog = new ReadyWatchdog({
    waiting: () => !this.ready && this.view?.visible === true,
    setPage: () => this.load(),
    reloadWebviews: () => void vscode.commands.executeCommand('workbench.action.webview.reloadWebviewAction').then(undefined, () => undefined),
    giveUp: () => void this.giveUp(),
  });
  private pagesSet = 0;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly page: ViewPage,
    private readonly model: ViewModel<State, ToView>,
    /** Every message of the view's script, `ready` included (after the host has restored the view). */
    private readonly onMessage: (message: FromView) => void,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const media = vscode.Uri.joinPath(this.extensionUri, 'dist', 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [media] };
    this.load();
    this.watchdog.begin();
    this.subscriptions.push(
      view.webview.onDidReceiveMessage((message: FromView) => {
        if (message.type === 'ready') this.onReady();
        this.onMessage(message);
      }),
      // A hidden view's page is gone (its context is not retained); showing it loads the page again.
      view.onDidChangeVisibility(() => {
        this.ready = false;
        if (view.visible) this.watchdog.begin();
        else this.watchdog.cancel();
      }),
      view.onDidDispose(() => {
        this.watchdog.cancel();
        this.view = undefined;
        this.ready = false;
      }),
    );
  }

  /** Shows the view (creating it if needed); `focus`: move the keyboard focus into it. */
  async reveal(focus = false): Promise<void> {
    if (this.view) this.view.show(!focus);
    else await vscode.commands.executeCommand(`${this.page.id}.focus`, { preserveFocus: !focus });
  }

  get visible(): boolean {
    return this.view?.visible === true;
  }

  /** What the view shows now (as the host told it), or undefined before the host told it anything. */
  get state(): State | undefined {
    return this.shown;
  }

  /** Tells the view `message` (now, if its page is ready; else through the restore when it is). */
  post(message: ToView): void {
    this.shown = this.model.reduce(this.shown ?? this.model.initial, message, Date.now());
    if (this.view && this.ready) void this.view.webview.postMessage(message);
  }

  dispose(): void {
    this.watchdog.cancel();
    for (const subscription of this.subscriptions.splice(0)) subscription.dispose();
  }

  private onReady(): void {
    this.ready = true;
    this.watchdog.ready();
    if (this.view && this.shown !== undefined) void this.view.webview.postMessage(this.model.restore(this.shown));
  }

  /** Sets the page (a new nonce each time); its `ready` is awaited by the watchdog. */
  private load(): void {
    if (!this.view) return;
    this.ready = false;
    const media = vscode.Uri.joinPath(this.extensionUri, 'dist', 'media');
    const dead = DEAD_FIRST_PAGE && this.pagesSet === 0;
    this.pagesSet += 1;
    this.view.webview.html = this.html(this.view.webview, media, dead);
  }

  private async giveUp(): Promise<void> {
    const choice = await vscode.window.showErrorMessage(
      `QED-Nano: the ${this.page.title} view did not load (VS Code's webview did not start its page, which happens in some fresh profiles). Reloading the window fixes it; nothing shown there is lost.`,
      'Reload Window',
    );
    if (choice) await vscode.commands.executeCommand('workbench.action.reloadWindow');
  }

  private html(webview: vscode.Webview, media: vscode.Uri, dead = false): string {
    const nonce = randomBytes(16).toString('base64');
    const uri = (file: string): string => webview.asWebviewUri(vscode.Uri.joinPath(media, file)).toString();
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource} 'nonce-${nonce}'`,
      "style-src-attr 'unsafe-inline'", // KaTeX sizes glyphs with style attributes; no script can run from them
      `font-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${dead ? '' : `<link rel="stylesheet" nonce="${nonce}" href="${uri('katex.min.css')}">
<link rel="stylesheet" nonce="${nonce}" href="${uri('panel.css')}">`}
<title>${this.page.title}</title>
</head>
<body>
${this.page.body}
${dead ? '' : `<script nonce="${nonce}" src="${uri(this.page.script)}"></script>`}
</body>
</html>`;
  }
}
