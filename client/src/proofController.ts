/**
 * Proofs in the Proof view. "QED-Nano: Prove Selected Statement" (and Prove Deep, Prove Reasoning Cache) sends `qed/prove` for the
 * selection or the statement at the cursor, streams thinking and proof into the view, and keeps the last
 * result for Insert, Copy, Retry and Continue. Stop cancels the request; the text so far stays in the view.
 * Insert follows the document afterwards: Undo there brings the Insert button back.
 */
import * as vscode from 'vscode';
import type { FromPanel, InsertState, PanelActions, PanelRunState } from '../../media/src/panelProtocol';
import type { ModelStatus, ProveMode, ProveParams, ProveResult } from '../../server/src/protocol';
import type { QedNanoClient } from './languageClient';
import { canContinue, isModelUnavailable, resultLine, withoutContinuation } from './proofOutcome';
import type { ProofView, ProofViewOwner } from './proofView';

interface Run {
  params: ProveParams;
  cancel: vscode.CancellationTokenSource;
  result?: ProveResult;
  /** The statement being proved (from the stream's first value). */
  statement?: string;
  /** Deep mode: the best proof so far; the reasoning cache: the last proof an attempt wrote. Kept when the
   * run is stopped. */
  bestSoFar?: string;
}

/** What Insert did. */
export type InsertOutcome = 'inserted' | 'alreadyInserted' | 'statementChanged' | 'nothing' | 'failed';

/** A proof put into a document by Insert: while its text is there, Insert says "Inserted". */
interface Placed {
  run: Run;
  uri: string;
  text: string;
  /** Whether the text is in the document now (Undo takes it out, Redo puts it back). */
  present: boolean;
}

export class ProofController implements ProofViewOwner, vscode.Disposable {
  private run: Run | undefined;
  /** The finished run with a proof that the panel shows: what Insert and Copy use. */
  private last: Run | undefined;
  /** The last finished run, with or without a proof: what Retry and Continue use. */
  private lastAttempt: Run | undefined;
  private placed: Placed | undefined;
  /** The run whose statement was edited while its proof was written: Insert offers "Insert anyway". */
  private statementChanged: Run | undefined;
  /** The last run failed because no model could be used: once one is ready, the panel says so. */
  private failedForModel = false;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly view: ProofView,
    private readonly client: () => Promise<QedNanoClient>,
  ) {
    view.add(this);
    this.subscriptions.push(vscode.workspace.onDidChangeTextDocument((change) => this.followPlaced(change.document)));
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
    const attempt = this.lastAttempt;
    if (!attempt?.result || attempt.result.thoughtClosed || !attempt.result.thinking) {
      void vscode.window.showInformationMessage('QED-Nano: there is no unfinished attempt to continue.');
      return undefined;
    }
    const summary = attempt.result.reasoningCache?.summary;
    // The mode stays the attempt's (single or the reasoning cache), so the panel keeps showing the user's choice.
    return this.start({ ...withoutContinuation(attempt.params), continueFrom: { thinking: attempt.result.thinking, ...(summary !== undefined ? { summary } : {}) } });
  }

  stop(): void {
    this.run?.cancel.cancel();
  }

  /** A model status from the server: an error the panel shows because no model could be used goes once
   * one is ready (a download error must not outlive the download). */
  onModelStatus(status: ModelStatus): void {
    if (status.state !== 'ready' || !this.failedForModel || this.run) return;
    this.failedForModel = false;
    if (!this.view.shows(this)) return;
    this.view.finish({
      state: 'stopped',
      message: `The model is ready now${status.modelName ? ` (${status.modelName})` : ''}: Retry proves the statement.`,
      elapsedMs: this.view.host.state?.elapsedMs ?? 0,
    });
  }

  /**
   * Inserts the proof shown after its statement, as one undoable edit. The edit that came with the proof is
   * used while the document is unchanged; otherwise it is made again for the document as it is now, after
   * the statement with the same text (a change elsewhere does not matter). When that statement was edited,
   * nothing is inserted unless `anyway`: then the proof goes after the statement where Prove was asked.
   */
  async insert(options: { anyway?: boolean } = {}, attempts = 3): Promise<InsertOutcome> {
    const run = this.last;
    const proof = run && proofOf(run);
    if (!run || !proof || !run.statement) {
      void vscode.window.showInformationMessage('QED-Nano: there is no proof to insert yet.');
      return 'nothing';
    }
    if (this.placed?.run === run && this.placed.present) {
      void vscode.window.showInformationMessage('QED-Nano: this proof is already in the document (Undo there takes it out).');
      return 'alreadyInserted';
    }
    const uri = run.params.textDocument.uri;
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
    const own = run.result?.insertion;
    const position = options.anyway ? askedAt(run) : undefined;
    const insertion =
      own && own.version === document.version ? own : ((await (await this.client()).proofInsertion(uri, run.statement, proof, position)) ?? undefined);
    if (!insertion) {
      if (options.anyway) {
        const choice = await vscode.window.showWarningMessage('QED-Nano: there is no statement where the proof was asked for any more, so it is not inserted.', 'Copy');
        if (choice) await this.copy();
        return 'failed';
      }
      this.statementChanged = run;
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
    this.placed = { run, uri, text: insertion.newText.trim(), present: true };
    this.statementChanged = undefined;
    this.postActions();
    await vscode.window.showTextDocument(document, { preserveFocus: false });
    return 'inserted';
  }

  /**
   * Copies the proof shown as Insert would write it into its document (LaTeX in a .tex file, the document's
   * own label and end mark in Markdown), or the model's text when its statement is gone. Returns the text.
   */
  async copy(): Promise<string | undefined> {
    const run = this.last ?? this.lastAttempt;
    const proof = run && proofOf(run);
    if (!run || !proof) {
      void vscode.window.showInformationMessage('QED-Nano: there is no proof to copy yet.');
      return undefined;
    }
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
    else if (choice === 'Retry' && this.lastAttempt) await this.start(withoutContinuation(this.lastAttempt.params));
  }

  /** Keeps "Inserted" true to the document: Undo (or deleting the proof) brings Insert back. */
  private followPlaced(document: vscode.TextDocument): void {
    const placed = this.placed;
    if (!placed || document.uri.toString() !== placed.uri) return;
    const present = document.getText().includes(placed.text);
    if (present === placed.present) return;
    placed.present = present;
    this.postActions();
  }

  actions(): PanelActions {
    return { retry: this.lastAttempt !== undefined, continue: canContinue(this.lastAttempt?.result), insert: this.insertState() };
  }

  private insertState(): InsertState {
    if (!this.last) return 'none';
    if (this.placed?.run === this.last && this.placed.present) return 'inserted';
    return this.statementChanged === this.last ? 'statementChanged' : 'ready';
  }

  /** The view's actions, when it shows this controller's proof. */
  private postActions(): void {
    if (this.view.shows(this)) this.view.postActions();
  }

  async onPanel(message: Exclude<FromPanel, { type: 'ready' | 'stop' }>): Promise<void> {
    if (message.type === 'retry' && this.lastAttempt) {
      const params = withoutContinuation(this.lastAttempt.params);
      await this.start({ ...params, mode: message.mode });
    }
    else if (message.type === 'continue') await this.continueLast();
    else if (message.type === 'insert') await this.insert({ anyway: message.anyway === true });
    else if (message.type === 'copy') await this.copy();
  }

  private async start(params: ProveParams): Promise<ProveResult | undefined> {
    this.stop();
    const run: Run = { params, cancel: new vscode.CancellationTokenSource() };
    // Failures are recorded too, so that Retry works after an error (e.g. once a model is chosen).
    this.lastAttempt = run;
    // Insert and Copy act on what the panel shows: from now on, this run.
    this.last = undefined;
    this.failedForModel = false;
    this.run = run;
    await this.view.begin(this, 'proof', params.mode ?? 'single');
    const started = Date.now();
    try {
      const client = await this.client();
      const result = await this.view.whileRunning(client.prove(params, (progress) => {
        if (this.run !== run) return;
        if (progress.kind === 'started') run.statement = progress.statement;
        else if (progress.kind === 'candidates' && progress.best) run.bestSoFar = progress.best.proof;
        else if (progress.kind === 'attempt' && progress.proofSoFar) run.bestSoFar = progress.proofSoFar;
        this.view.post({ type: 'progress', value: progress });
      }, run.cancel.token));
      run.result = result;
      // A reasoning-cache run has a proof when an earlier attempt wrote one, even if the last did not.
      const state: PanelRunState = result.proof ? 'done' : 'noProof';
      if (state === 'done') this.last = run;
      this.view.finish({
        state,
        message: resultLine(result),
        thinkingTokens: result.stats.thinkingTokens,
        ...(result.stats.thinkingMs !== undefined ? { thinkingMs: result.stats.thinkingMs } : {}),
        tokensPerSecond: result.stats.tokensPerSecond,
        elapsedMs: Date.now() - started,
        objections: result.deep?.objections ?? [],
        proof: result.proof,
      });
      return result;
    } catch (error) {
      const cancelled = run.cancel.token.isCancellationRequested;
      const keepsBest = cancelled && run.bestSoFar !== undefined;
      if (keepsBest) this.last = run; // the best (deep) or last (reasoning cache) proof so far can still be inserted or copied
      this.failedForModel = !cancelled && isModelUnavailable(error);
      this.view.finish({
        state: cancelled ? 'stopped' : 'error',
        ...(keepsBest ? { proof: run.bestSoFar } : {}),
        message: keepsBest
          ? run.params.mode === 'deep'
            ? 'Stopped: the best proof so far (by verification scores) stays above; you can insert or copy it.'
            : 'Stopped: the last proof an attempt wrote stays above; you can insert or copy it.'
          : cancelled
            ? 'Stopped. What the model wrote so far stays above; it is not a finished proof.'
            : `${error instanceof Error ? error.message : String(error)}`,
        elapsedMs: Date.now() - started,
      });
      if (!cancelled) throw error;
      return undefined;
    } finally {
      if (this.run === run) this.run = undefined;
      run.cancel.dispose();
    }
  }
}

/** Where Prove was asked: the cursor, or the selection's start. */
function askedAt(run: Run): ProveParams['position'] {
  return run.params.position ?? run.params.range?.start;
}

/** The proof a run wrote: its result's, or (a stopped deep or reasoning-cache run) the best or last so far. */
function proofOf(run: Run): string | undefined {
  return run.result?.proof || run.bestSoFar;
}
