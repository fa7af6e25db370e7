/**
 * The one notification offered when the model is missing (then only the status bar speaks).
 */
import * as vscode from 'vscode';
import type { ModelStatus } from '../../server/src/protocol';

/**
 * Offers the missing model's next step once per session; later changes only show in the status bar. While
 * the user waits on something that reports its own failure (Load Model, Prove), it stays silent: one
 * notification for one failure.
 */
export class MissingModelPrompt {
  private offered = false;
  private userWaits = 0;

  /** `work` reports its own errors: the prompt says nothing about the model meanwhile. */
  async whileUserWaits<T>(work: Promise<T>): Promise<T> {
    this.userWaits++;
    try {
      return await work;
    } finally {
      this.userWaits--;
    }
  }

  onStatus(status: ModelStatus): void {
    if (this.offered || this.userWaits > 0 || status.state !== 'absent' || !status.needs) return;
    this.offered = true;
    const primary = status.needs === 'download' ? 'Download Model' : 'Choose Model File';
    const secondary = status.needs === 'download' ? 'Choose Model File' : 'Download Model';
    void vscode.window.showInformationMessage(`QED-Nano: ${status.message ?? 'no model is available.'}`, primary, secondary).then((choice) => {
      if (choice === 'Download Model') void vscode.commands.executeCommand('qedNano.downloadModel');
      else if (choice === 'Choose Model File') void vscode.commands.executeCommand('qedNano.chooseModelFile');
    });
  }
}
