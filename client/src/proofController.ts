/**
 * Proofs in the Proof view. "QED-Nano: Prove Selected Statement" (and Prove Deep, Prove Reasoning Cache) sends `qed/prove` for the
 * selection or the statement at the cursor, streams thinking and proof into the view, and keeps the last
 * result for Insert, Copy, Retry and Continue. Stop cancels the request; the text so far stays in the view.
 * Insert follows the document afterwards: Undo there brings the Insert button back.
 */
import * as vscode from 'vscode';
import type { FromPanel, PanelActions } from '../../media/src/panelProtocol';
import type { ModelStatus, ProveMode, ProveParams, ProveResult } from '../../server/src/protocol';
import type { QedNanoClient } from './languageClient';
import { resultLine } from './proofOutcome';
import { askedAt, ProofState } from './proofState';
import type { ProofView, ProofViewOwner } from './proofView';
import { RunLifecycle } from './runLifecycle';

/** What Insert did. */
export type InsertOutcome = 'inserted' | 'alreadyInserted' | 'statementChanged' | 'nothing' | 'failed';

export class ProofController implements ProofViewOwner, vscode.Disposable {
  private readonly runs = new RunLifecycle(() => new vscode.CancellationTokenSource());
  private readonly state = new ProofState();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly view: ProofView,
    private readonly client: () => Promise<QedNanoClient>,
  ) {
    view.add(this);
    this.subscriptions.push(
      // Keeps "Inserted" true to the document: Undo (or deleting the proof) brings Insert back.
      vscode.workspace.onDidChangeTextDocument(({ document }) => {
        if (this.state.documentChanged(document.uri.toString(), document.getText())) this.postActions();
      }),
    );
  }

  /** Proves the statement at `uri`/`position`, or else the active editor's selection or cursor. */
  async prove(uri?: string, position?: vscode.Position, mode: ProveMode = 'single'): Promise<ProveResult | undefined> {
    const editor = vscode.window.activeTextEditor;
    let params: ProveParams;
    if (uri && position) params = { textDocument: { uri }, position: { line: position.line, character: position.character } };
    else if (editor) {
      const { selection, document } = editor;
      params = selection.isEmpty
        ? { textDocument: { uri: document.uri.toString() }, position: { line: selection.active.line, character: selection.active.character } }
        : { textDocument: { uri: document.uri.toString() }, range: { start: selection.start, end: selection.end } };
    } else {
      void vscode.window.showInformationMessage('QED-Nano: open a LaTeX or Markdown file and put the cursor in a statement to prove.');
      return undefined;
    }
    return this.start(mode === 'single' ? params : { ...params, mode });
  }

  /** Continues the last attempt whose thinking ran out, as one step of the reasoning cache: its thinking
   * summarised (with the summary it was itself solved from), then a new attempt from the summary. */
  async continueLast(): Promise<ProveResult | undefined> {
    const params = this.state.continuation();
    if (!params) {
      void vscode.window.showInformationMessage('QED-Nano: there is no unfinished attempt to continue.');
      return undefined;
    }
    return this.start(params);
  }

  stop(): void {
    this.runs.stop();
  }

  /** A model status from the server: an error the panel shows because no model could be used goes once
   * one is ready (a download error must not outlive the download). */
  onModelStatus(status: ModelStatus): void {
    if (status.state !== 'ready') return;
    const message = this.state.modelReady(this.runs.running, status.modelName);
    if (message === undefined || !this.view.shows(this)) return;
    this.view.finish({ state: 'stopped', message, elapsedMs: this.view.host.state?.elapsedMs ?? 0 });
  }

  /**
   * Inserts the proof shown after its statement, as one undoable edit. The edit that came with the proof is
   * used while the document is unchanged; otherwise it is made again for the document as it is now, after
   * the statement with the same text (a change elsewhere does not matter). When that statement was edited,
   * nothing is inserted unless `anyway`: then the proof goes after the statement where Prove was asked.
   */
  async insert(options: { anyway?: boolean } = {}, attempts = 3): Promise<InsertOutcome> {
    const target = this.state.toInsert();
    if (target === 'alreadyInserted') {
      void vscode.window.showInformationMessage('QED-Nano: this proof is already in the document (Undo there takes it out).');
      return 'alreadyInserted';
    }
    if (!target) {
      void vscode.window.showInformationMessage('QED-Nano: there is no proof to insert yet.');
      return 'nothing';
    }
    const { run, proof, statement } = target;
    const uri = run.params.textDocument.uri;
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
    const own = run.result?.insertion;
    const position = options.anyway ? askedAt(run) : undefined;
    const insertion =
      own && own.version === document.version ? own : ((await (await this.client()).proofInsertion(uri, statement, proof, position)) ?? undefined);
    if (!insertion) {
      if (options.anyway) {
        const choice = await vscode.window.showWarningMessage('QED-Nano: there is no statement where the proof was asked for any more, so it is not inserted.', 'Copy');
        if (choice) await this.copy();
        return 'failed';
      }
      this.state.markStatementChanged(run);
      this.postActions();
      void this.offerInsertAnyway();
      return 'statementChanged';
    }
    // Typed into while the edit was made: make it again for the newest text.
    if (document.version !== insertion.version) return attempts > 1 ? this.insert(options, attempts - 1) : 'failed';
    const edit = new vscode.WorkspaceEdit();
    const { start, end } = insertion.range;
    edit.replace(document.uri, new vscode.Range(start.line, start.character, end.line, end.character), insertion.newText);
    if (!(await vscode.workspace.applyEdit(edit))) return 'failed';
    this.state.inserted(run, uri, insertion.newText);
    this.postActions();
    await vscode.window.showTextDocument(document, { preserveFocus: false });
    return 'inserted';
  }

  /**
   * Copies the proof shown as Insert would write it into its document (LaTeX in a .tex file, the document's
   * own label and end mark in Markdown), or the model's text when its statement is gone. Returns the text.
   */
  async copy(): Promise<string | undefined> {
    const shown = this.state.toCopy();
    if (!shown) {
      void vscode.window.showInformationMessage('QED-Nano: there is no proof to copy yet.');
      return undefined;
    }
    const { run, proof } = shown;
    const placed = run.statement ? await (await this.client()).proofInsertion(run.params.textDocument.uri, run.statement, proof, askedAt(run)) : null;
    const text = placed ? placed.newText.trim() : proof;
    await vscode.env.clipboard.writeText(text);
    this.view.post({ type: 'copied' });
    return text;
  }

  dispose(): void {
    this.stop();
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  private async offerInsertAnyway(): Promise<void> {
    const choice = await vscode.window.showWarningMessage(
      'QED-Nano: the statement was edited while the proof was written, so the proof was not inserted. Insert it anyway after the statement where you asked, copy it, or prove the statement as it is now.',
      'Insert Anyway',
      'Copy',
      'Retry',
    );
    if (choice === 'Insert Anyway') await this.insert({ anyway: true });
    else if (choice === 'Copy') await this.copy();
    else if (choice === 'Retry') {
      const params = this.state.retry();
      if (params) await this.start(params);
    }
  }

  actions(): PanelActions {
    return this.state.actions();
  }

  /** The view's actions, when it shows this controller's proof. */
  private postActions(): void {
    if (this.view.shows(this)) this.view.postActions();
  }

  async onPanel(message: Exclude<FromPanel, { type: 'ready' | 'stop' }>): Promise<void> {
    if (message.type === 'retry') {
      const params = this.state.retry(message.mode);
      if (params) await this.start(params);
    } else if (message.type === 'continue') await this.continueLast();
    else if (message.type === 'insert') await this.insert({ anyway: message.anyway === true });
    else if (message.type === 'copy') await this.copy();
  }

  private async start(params: ProveParams): Promise<ProveResult | undefined> {
    const run = this.state.begin(params);
    const outcome = await this.runs.run(
      async (active) => {
        const client = await this.client();
        return this.view.whileRunning(client.prove(params, (progress) => {
          if (!active.isCurrent()) return;
          this.state.progress(run, progress);
          if (this.view.shows(this)) this.view.post({ type: 'progress', value: progress });
        }, active.token));
      },
      () => this.view.begin(this, 'proof', params.mode ?? 'single'),
    );
    // A run stopped because another began: the view and Retry belong to that one now. A run stopped because
    // a refinement began keeps what it wrote, but the view shows the refinement: its end is not drawn there.
    if (outcome.superseded) return outcome.kind === 'done' ? outcome.value : undefined;
    if (outcome.kind === 'done') {
      const result = outcome.value;
      const state = this.state.finished(run, result);
      if (this.view.shows(this)) {
        this.view.finish({
          state,
          message: resultLine(result),
          thinkingTokens: result.stats.thinkingTokens,
          ...(result.stats.thinkingMs !== undefined ? { thinkingMs: result.stats.thinkingMs } : {}),
          tokensPerSecond: result.stats.tokensPerSecond,
          elapsedMs: outcome.elapsedMs,
          objections: result.deep?.objections ?? [],
          proof: result.proof,
        });
      }
      return result;
    }
    const end = this.state.failed(run, outcome.kind === 'stopped', outcome.error);
    if (this.view.shows(this)) this.view.finish({ ...end, elapsedMs: outcome.elapsedMs });
    if (outcome.kind === 'failed') throw outcome.error;
    return undefined;
  }
}
