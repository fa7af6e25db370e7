/**
 * A side-panel view's real script (dist/media) in headless Chromium, served from localhost under the
 * views' Content-Security-Policy with a nonce, with the VS Code webview API stubbed: what the script posts
 * is recorded in `window.__posted`, its saved state in sessionStorage. For the render tests.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './fixtures';

const MEDIA = path.join(REPO_ROOT, 'dist', 'media');
const NONCE = 'dGVzdC1ub25jZQ==';

const PAGE = (self: string, body: string, script: string): string => `<!DOCTYPE html><html><head>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${self} 'nonce-${NONCE}'; style-src-attr 'unsafe-inline'; font-src ${self}; img-src ${self} data:; script-src 'nonce-${NONCE}'">
<link rel="stylesheet" nonce="${NONCE}" href="/katex.min.css"><link rel="stylesheet" nonce="${NONCE}" href="/panel.css"></head><body>
${body}
<script nonce="${NONCE}">window.__posted = []; window.__alerts = 0; window.alert = () => { window.__alerts++; };
window.__saved = JSON.parse(sessionStorage.getItem('view-state') || 'null') || undefined;
window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => window.__saved, setState: (s) => sessionStorage.setItem('view-state', JSON.stringify(s)) });</script>
<script nonce="${NONCE}" src="/${script}"></script></body></html>`;

export class ViewHarness {
  private server: Server | undefined;
  private browser: Browser | undefined;
  private origin = '';

  constructor(
    private readonly body: string,
    private readonly script: string,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const url = request.url ?? '/';
      if (url === '/') return void response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE(this.origin, this.body, this.script));
      const file = path.join(MEDIA, path.normalize(url).replace(/^(\.\.[/\\])+/, ''));
      let content: Buffer;
      try {
        content = readFileSync(file);
      } catch {
        return void response.writeHead(404).end();
      }
      const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'font/woff2';
      response.writeHead(200, { 'content-type': type }).end(content);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.browser = await chromium.launch({
      executablePath: process.env.QED_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
  }

  async stop(): Promise<void> {
    await this.browser?.close();
    this.server?.close();
  }

  /** Opens the view (in a page of `viewport`'s size) and posts `messages` to it; CSP violations reported by
   * the page are collected. */
  async show(messages: readonly unknown[], viewport = { width: 520, height: 900 }): Promise<{ page: Page; violations: string[] }> {
    const page = await this.browser!.newPage({ viewport });
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content.Security.Policy|Refused/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(this.origin);
    for (const message of messages) await page.evaluate((m) => window.postMessage(m, '*'), message);
    await page.waitForTimeout(150); // two animation frames
    return { page, violations };
  }
}
