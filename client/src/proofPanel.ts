/**
 * The side panel's proof view (a webview view in the QED-Nano activity-bar container): loads the panel's
 * script and styles from dist/media only, under a strict Content-Security-Policy with a per-load nonce.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { PANEL_BODY } from '../../media/src/panelMarkup';
import type { FromPanel, ToPanel } from '../../media/src/panelProtocol';

export const PROOF_VIEW_ID = 'qedNano.proofView';

export class ProofPanel implements vscode.WebviewViewProvider {
  private view: vscode.WebviewView | undefined;
  private readonly queue: ToPanel[] = [];
  private ready = false;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly onMessage: (message: FromPanel) => void,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const media = vscode.Uri.joinPath(this.extensionUri, 'dist', 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [media] };
    view.webview.html = this.html(view.webview, media);
    view.webview.onDidReceiveMessage((message: FromPanel) => {
      if (message.type === 'ready') {
        this.ready = true;
        for (const queued of this.queue.splice(0)) void view.webview.postMessage(queued);
      } else this.onMessage(message);
    });
    view.onDidDispose(() => (this.view = undefined));
  }

  /** Shows the panel (creating it if needed) without taking the focus from the editor. */
  async reveal(): Promise<void> {
    if (this.view) this.view.show(true);
    else await vscode.commands.executeCommand(`${PROOF_VIEW_ID}.focus`, { preserveFocus: true });
  }

  post(message: ToPanel): void {
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
<title>QED-Nano proof</title>
</head>
<body>
${PANEL_BODY}
<script nonce="${nonce}" src="${uri('panel.js')}"></script>
</body>
</html>`;
  }
}
