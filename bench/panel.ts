/**
 * Panel streaming benchmark: the real panel script (dist/media/panel.js) in headless Chromium receives a
 * proof at 200 tokens/s (one message per token, as if unbatched) for 10 s, with math every few tokens.
 * Prints how far behind the panel is when the stream ends (target: it keeps up, i.e. the last token is on
 * screen within a frame or two) and how many paints it needed.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { PANEL_BODY } from '../media/src/panelMarkup';

const MEDIA = path.resolve(__dirname, '..', 'dist', 'media');
const RATE = 200;
const SECONDS = 10;

export async function benchPanel(): Promise<void> {
  const page = `<!DOCTYPE html><html><head><link rel="stylesheet" href="/katex.min.css"></head><body>
${PANEL_BODY}
<script>window.acquireVsCodeApi = () => ({ postMessage() {}, getState() {}, setState() {} });
window.__paints = 0; const original = window.requestAnimationFrame.bind(window);
window.requestAnimationFrame = (callback) => original((t) => { window.__paints++; callback(t); });</script>
<script src="/panel.js"></script></body></html>`;
  const server = createServer((request, response) => {
    if (request.url === '/') return void response.writeHead(200, { 'content-type': 'text/html' }).end(page);
    let body: Buffer;
    try {
      body = readFileSync(path.join(MEDIA, path.basename(request.url ?? '')));
    } catch {
      return void response.writeHead(404).end();
    }
    response.writeHead(200).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({
    executablePath: process.env.QED_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
  const tab = await browser.newPage();
  await tab.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  const result = await tab.evaluate(
    async ({ rate, seconds }) => {
      window.postMessage({ type: 'progress', value: { kind: 'started', statement: 'Show that $\\\\sum_{i=1}^n i = n(n+1)/2$.', macros: {} } }, '*');
      const total = rate * seconds;
      const started = performance.now();
      for (let i = 0; i < total; i++) {
        const token = i % 12 === 11 ? ` $a_{${i}}^2$` : i % 80 === 79 ? '\n\n' : ' word';
        window.postMessage({ type: 'progress', value: { kind: 'answer', text: token } }, '*');
        const due = started + ((i + 1) * 1000) / rate;
        while (performance.now() < due) await new Promise((r) => setTimeout(r, 1));
      }
      // The last token is a marker: the stream is caught up when it and every formula are on screen.
      window.postMessage({ type: 'progress', value: { kind: 'answer', text: ' QEDMARK' } }, '*');
      const ended = performance.now();
      const expectedMath = Math.floor(total / 12);
      const proof = document.querySelector('#proof')!;
      while (!proof.textContent?.includes('QEDMARK') || proof.querySelectorAll('.katex').length < expectedMath) {
        await new Promise((r) => setTimeout(r, 1));
      }
      return { lagMs: performance.now() - ended, paints: (window as unknown as { __paints: number }).__paints, streamMs: ended - started, formulas: expectedMath };
    },
    { rate: RATE, seconds: SECONDS },
  );
  console.log(`Panel (headless Chromium, ${RATE} tokens/s for ${SECONDS} s, ${result.formulas} formulas)`);
  console.log(`  the last token is on screen ${result.lagMs.toFixed(0)} ms after it was sent; ${result.paints} paints for ${RATE * SECONDS} messages (target: keeps up, lag within a few frames)`);
  await browser.close();
  server.close();
}
