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
import { RefinementState } from './refinementState';
import { RunLifecycle } from './runLifecycle';

export class RefinementController implements ProofViewOwner, vscode.Disposable {
  private readonly runs = new RunLifecycle(() => new vscode.CancellationTokenSource());
  private readonly state = new RefinementState();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly view: ProofView,
    private readonly client: () => Promise<QedNanoClient>,
  ) {
    view.add(this);
    this.subscriptions.push(
      // Keeps "Applied" true to the document: after Undo the view says the text as written is back.
      vscode.workspace.onDidChangeTextDocument(({ document }) => {
        if (this.state.documentChanged(document.uri.toString(), document.getText()) && this.view.shows(this)) {
          this.view.finish({ state: 'stopped', message: 'Undone: the text as written is back. Critique the proof again to refine it anew.', elapsedMs: 0 });
        }
      }),
    );
  }

  /** Refines a flagged step (or proof) with `qed/refine`, streaming into the view for Apply or Discard. */
  async refine(params: RefineParams): Promise<RefineResult | undefined> {
    const refinement = this.state.begin(params);
    const outcome = await this.runs.run(
      async (active) => {
        const client = await this.client();
        return this.view.whileRunning(client.refine(params, (progress) => {
          if (active.isCurrent() && this.view.shows(this)) this.view.post({ type: 'progress', value: progress });
        }, active.token));
      },
      () => this.view.begin(this, 'refinement', 'single'),
    );
    if (outcome.kind === 'done') this.state.finished(refinement, outcome.value);
    // A refinement stopped because another (or a proof) began: the view shows that one now.
    if (outcome.superseded || !this.view.shows(this)) return outcome.kind === 'done' ? outcome.value : undefined;
    if (outcome.kind === 'done') {
      this.view.finish({ state: 'done', message: 'Apply replaces exactly the text as written with the refined one (one undoable edit); Discard drops it.', elapsedMs: outcome.elapsedMs });
      return outcome.value;
    }
    const stopped = outcome.kind === 'stopped';
    this.view.finish({ state: stopped ? 'stopped' : 'error', message: stopped ? 'Stopped. Nothing was changed.' : outcome.error instanceof Error ? outcome.error.message : String(outcome.error), elapsedMs: outcome.elapsedMs });
    return undefined;
  }

  /** Applies the refinement shown: one undoable edit, refused if the text changed since it was written. */
  async apply(): Promise<boolean> {
    const refinement = this.state.current();
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
    this.state.appliedTo(document.uri.toString(), result.edit.newText);
    this.view.take(this);
    this.view.finish({ state: 'done', message: 'Applied. Undo (Ctrl+Z) in the document restores the text as written.', elapsedMs: 0 });
    await vscode.window.showTextDocument(document, { preserveFocus: false });
    return true;
  }

  /** Drops the refinement shown. */
  discard(): void {
    this.runs.stop();
    if (!this.state.discard()) return;
    this.view.finish({ state: 'stopped', message: 'Discarded: nothing was changed.', elapsedMs: 0 });
  }

  /** Copies the refinement's new text as Apply writes it; returns it. */
  async copy(): Promise<string | undefined> {
    const text = this.state.current()?.result?.edit.newText.trim();
    if (!text) {
      void vscode.window.showInformationMessage('QED-Nano: there is no refined text to copy yet.');
      return undefined;
    }
    await vscode.env.clipboard.writeText(text);
    this.view.post({ type: 'copied' });
    return text;
  }

  stop(): void {
    this.runs.stop();
  }

  actions(): PanelActions {
    return this.state.actions();
  }

  async onPanel(message: Exclude<FromPanel, { type: 'ready' | 'stop' }>): Promise<void> {
    if (message.type === 'insert') await this.apply();
    else if (message.type === 'discard') this.discard();
    else if (message.type === 'retry') {
      const shown = this.state.current();
      if (shown) await this.refine(shown.params);
    }
    else if (message.type === 'copy') await this.copy();
  }

  dispose(): void {
    this.stop();
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
