/**
 * Refinements in the Proof view: the quick fix on a critique finding (or "QED-Nano: Refine Step") sends
 * `qed/refine`, streams the model's thinking and new text into the view beside the text as written, and
 * offers Apply (one undoable edit, refused when the text changed since) and Discard. After Apply, the view
 * follows the document: Undo there brings the text as written back, and the view says so.
 */
import * as vscode from 'vscode';
import type { FromPanel, PanelActions } from '../../media/src/panelProtocol';
import type { RefineParams, RefineResult } from '../../server/src/protocol';
import type { QedNanoClient } from './languageClient';
import type { ProofView, ProofViewOwner } from './proofView';

interface Refinement {
  params: RefineParams;
  cancel: vscode.CancellationTokenSource;
  result?: RefineResult;
}

/** A refinement put into a document by Apply: while its text is there, the view says "Applied". */
interface Applied {
  uri: string;
  text: string;
}

export class RefinementController implements ProofViewOwner, vscode.Disposable {
  /** The refinement being written, and the last one shown (what Apply, Discard and Retry use). */
  private refining: Refinement | undefined;
  private shown: Refinement | undefined;
  private applied: Applied | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly view: ProofView,
    private readonly client: () => Promise<QedNanoClient>,
  ) {
    view.add(this);
    this.subscriptions.push(vscode.workspace.onDidChangeTextDocument((change) => this.followApplied(change.document)));
  }

  /** Refines a flagged step (or proof) with `qed/refine`, streaming into the view for Apply or Discard. */
  async refine(params: RefineParams): Promise<RefineResult | undefined> {
    this.stop();
    const refinement: Refinement = { params, cancel: new vscode.CancellationTokenSource() };
    this.refining = refinement;
    this.shown = refinement;
    this.applied = undefined;
    await this.view.begin(this, 'refinement', 'single');
    const started = Date.now();
    try {
      const client = await this.client();
      const result = await this.view.whileRunning(client.refine(params, (progress) => {
        if (this.refining === refinement) this.view.post({ type: 'progress', value: progress });
      }, refinement.cancel.token));
      refinement.result = result;
      this.view.finish({ state: 'done', message: 'Apply replaces exactly the text as written with the refined one (one undoable edit); Discard drops it.', elapsedMs: Date.now() - started });
      return result;
    } catch (error) {
      const cancelled = refinement.cancel.token.isCancellationRequested;
      this.view.finish({ state: cancelled ? 'stopped' : 'error', message: cancelled ? 'Stopped. Nothing was changed.' : error instanceof Error ? error.message : String(error), elapsedMs: Date.now() - started });
      return undefined;
    } finally {
      if (this.refining === refinement) this.refining = undefined;
      refinement.cancel.dispose();
    }
  }

  /** Applies the refinement shown: one undoable edit, refused if the text changed since it was written. */
  async apply(): Promise<boolean> {
    const refinement = this.shown;
    const result = refinement?.result;
    if (!refinement || !result) {
      void vscode.window.showInformationMessage('QED-Nano: there is no refinement to apply.');
      return false;
    }
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(refinement.params.textDocument.uri));
    if (document.version !== result.edit.version) {
      const choice = await vscode.window.showWarningMessage(
        'QED-Nano: the document changed after this refinement was written, so it is not applied. Critique the proof again and refine, or copy the refined text.',
        'Copy Refined Text',
      );
      if (choice) await vscode.env.clipboard.writeText(result.edit.newText.trim());
      return false;
    }
    const edit = new vscode.WorkspaceEdit();
    const { start, end } = result.edit.range;
    edit.replace(document.uri, new vscode.Range(start.line, start.character, end.line, end.character), result.edit.newText);
    if (!(await vscode.workspace.applyEdit(edit))) return false;
    this.shown = undefined;
    this.applied = { uri: document.uri.toString(), text: result.edit.newText.trim() };
    this.view.take(this);
    this.view.finish({ state: 'done', message: 'Applied. Undo (Ctrl+Z) in the document restores the text as written.', elapsedMs: 0 });
    await vscode.window.showTextDocument(document, { preserveFocus: false });
    return true;
  }

  /** Drops the refinement shown. */
  discard(): void {
    this.refining?.cancel.cancel();
    if (!this.shown) return;
    this.shown = undefined;
    this.view.finish({ state: 'stopped', message: 'Discarded: nothing was changed.', elapsedMs: 0 });
  }

  /** Copies the refinement's new text as Apply writes it; returns it. */
  async copy(): Promise<string | undefined> {
    const text = this.shown?.result?.edit.newText.trim();
    if (!text) {
      void vscode.window.showInformationMessage('QED-Nano: there is no refined text to copy yet.');
      return undefined;
    }
    await vscode.env.clipboard.writeText(text);
    this.view.post({ type: 'copied' });
    return text;
  }

  stop(): void {
    this.refining?.cancel.cancel();
  }

  actions(): PanelActions {
    return { retry: this.shown !== undefined, continue: false, insert: this.shown?.result ? 'ready' : 'none' };
  }

  async onPanel(message: Exclude<FromPanel, { type: 'ready' | 'stop' }>): Promise<void> {
    if (message.type === 'insert') await this.apply();
    else if (message.type === 'discard') this.discard();
    else if (message.type === 'retry' && this.shown) await this.refine(this.shown.params);
    else if (message.type === 'copy') await this.copy();
  }

  dispose(): void {
    this.stop();
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  /** Keeps "Applied" true to the document: after Undo the view says the text as written is back. */
  private followApplied(document: vscode.TextDocument): void {
    const applied = this.applied;
    if (!applied || document.uri.toString() !== applied.uri || document.getText().includes(applied.text)) return;
    this.applied = undefined;
    if (this.view.shows(this)) this.view.finish({ state: 'stopped', message: 'Undone: the text as written is back. Critique the proof again to refine it anew.', elapsedMs: 0 });
  }
}
