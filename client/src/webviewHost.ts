/**
 * The one host of QED-Nano's side-panel views (Proof, Chat): a webview view that loads its script and the
 * shared styles (panel.css, KaTeX's) from dist/media only, under a strict Content-Security-Policy with a
 * per-load nonce, and passes typed messages both ways. Messages posted before the view's script is ready
 * are queued; the script restores its own state (vscode.setState) when the view is shown again.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export interface ViewPage {
  /** The view's id in package.json. */
  id: string;
  title: string;
  /** Its script in dist/media (bundled from media/src). */
  script: string;
  /** Its static markup (no model text). */
  body: string;
}

export class WebviewHost<ToView, FromView extends { type: string }> implements vscode.WebviewViewProvider {
  private view: vscode.WebviewView | undefined;
  private readonly queue: ToView[] = [];
  private ready = false;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly page: ViewPage,
    private readonly onMessage: (message: FromView) => void,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const media = vscode.Uri.joinPath(this.extensionUri, 'dist', 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [media] };
    view.webview.html = this.html(view.webview, media);
    view.webview.onDidReceiveMessage((message: FromView) => {
      if (message.type === 'ready') {
        this.ready = true;
        for (const queued of this.queue.splice(0)) void view.webview.postMessage(queued);
      }
      this.onMessage(message);
    });
    view.onDidDispose(() => (this.view = undefined));
  }

  /** Shows the view (creating it if needed); `focus`: move the keyboard focus into it. */
  async reveal(focus = false): Promise<void> {
    if (this.view) this.view.show(!focus);
    else await vscode.commands.executeCommand(`${this.page.id}.focus`, { preserveFocus: !focus });
  }

  get visible(): boolean {
    return this.view?.visible === true;
  }

  post(message: ToView): void {
    if (this.view && this.ready) void this.view.webview.postMessage(message);
    else this.queue.push(message);
  }

  private html(webview: vscode.Webview, media: vscode.Uri): string {
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
<link rel="stylesheet" nonce="${nonce}" href="${uri('katex.min.css')}">
<link rel="stylesheet" nonce="${nonce}" href="${uri('panel.css')}">
<title>${this.page.title}</title>
</head>
<body>
${this.page.body}
<script nonce="${nonce}" src="${uri(this.page.script)}"></script>
</body>
</html>`;
  }
}
