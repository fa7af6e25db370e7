/**
 * The status bar item: the model's state as `qed/status` reports it. Absent, downloading n%, loading,
 * ready (model, device), generating (tokens/s), error (click for setup information). Never a pop-up: the
 * one notification for a missing model is ModelPrompt's.
 */
import * as vscode from 'vscode';
import type { ModelStatus } from '../../server/src/protocol';

export class ModelStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('qedNano.model', vscode.StatusBarAlignment.Right, 100);

  constructor() {
    this.item.name = 'QED-Nano model';
    this.show({ state: 'absent', message: 'The model loads on first use.' });
  }

  show(status: ModelStatus): void {
    const { item } = this;
    // Where the model runs: the device, or the remote engine's host ("remote gpu-box:8000").
    const device = status.remote ? `remote ${status.remote}` : status.device ? status.device.toUpperCase() : undefined;
    const speed = status.tokensPerSecond !== undefined ? `${status.tokensPerSecond.toFixed(1)} tok/s` : undefined;
    const percent = status.progress !== undefined ? `${Math.round(status.progress * 100)}%` : '';
    switch (status.state) {
      case 'absent':
        item.text = '$(circle-slash) QED-Nano';
        item.command = status.needs === 'modelFile' ? 'qedNano.chooseModelFile' : 'qedNano.loadModel';
        break;
      case 'downloading':
        item.text = `$(cloud-download) QED-Nano ${percent}`;
        item.command = 'qedNano.showSetupInfo';
        break;
      case 'loading':
        item.text = `$(loading~spin) QED-Nano ${percent}`;
        item.command = 'qedNano.showSetupInfo';
        break;
      case 'ready':
        item.text = `$(check) QED-Nano ${[device, speed].filter(Boolean).join(' · ')}`;
        item.command = 'qedNano.showSetupInfo';
        break;
      case 'busy':
        item.text = `$(sync~spin) QED-Nano ${[status.remote ? `remote ${status.remote}` : undefined, speed].filter(Boolean).join(' · ')}`.trimEnd();
        item.command = 'qedNano.showSetupInfo';
        break;
      case 'error':
        item.text = '$(error) QED-Nano';
        item.command = 'qedNano.showSetupInfo';
        break;
    }
    item.backgroundColor = status.state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    item.tooltip = tooltip(status);
    item.accessibilityInformation = { label: `QED-Nano model: ${status.state}. ${status.message ?? ''}`.trim() };
    item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}

function tooltip(status: ModelStatus): vscode.MarkdownString {
  const lines = [`**QED-Nano** — ${status.state}`];
  if (status.modelName) lines.push(`Model: ${status.modelName}`);
  if (status.remote) lines.push(`Remote engine: ${status.remote}`);
  else if (status.device) lines.push(`Device: ${status.device}${status.gpuUnusedReason ? ` (no GPU: ${status.gpuUnusedReason})` : ''}`);
  if (status.tokensPerSecond !== undefined) lines.push(`Speed: ${status.tokensPerSecond.toFixed(1)} tokens/s`);
  if (status.message) lines.push(status.message);
  lines.push(status.state === 'absent' ? 'Click to load the model.' : 'Click for setup information.');
  // Plain text in a Markdown tooltip: server messages are never interpreted as markup.
  const markdown = new vscode.MarkdownString();
  lines.forEach((line, i) => (i === 0 ? markdown.appendMarkdown(line) : markdown.appendText(`\n\n${line}`)));
  return markdown;
}
