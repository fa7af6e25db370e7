/**
 * The side panel's controller. "QED-Nano: Prove Selected Statement" sends `qed/prove` for the selection (or
 * the statement at the cursor), streams thinking and proof into the panel, and keeps the last result for
 * Insert, Copy and Retry. A refinement (the quick fix on a critique finding) sends `qed/refine` and shows
 * the text as written and the model's replacement, with Apply and Discard. Stop cancels the request; the
 * text so far stays in the panel.
 */
import * as vscode from 'vscode';
import { PANEL_BODY } from '../../media/src/panelMarkup';
import type { FromPanel, InsertState, PanelActions, PanelRunState, PanelState, ToPanel } from '../../media/src/panelProtocol';
import { PANEL_MODEL } from '../../media/src/panelState';
import type { ModelStatus, ModelUnavailableErrorData, ProveParams, ProveResult, RefineParams, RefineResult } from '../../server/src/protocol';
import type { QedNanoClient } from './languageClient';
import { WebviewHost } from './webviewHost';

export const PROOF_VIEW_ID = 'qedNano.proofView';

interface Run {
  params: ProveParams;
  cancel: vscode.CancellationTokenSource;
  result?: ProveResult;
  /** The statement being proved (from the stream's first value). */
  statement?: string;
  /** Deep mode: the best proof so far, kept when the run is stopped. */
  bestSoFar?: string;
}

interface Refinement {
  params: RefineParams;
  cancel: vscode.CancellationTokenSource;
  result?: RefineResult;
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

/** A refinement put into a document by Apply: while its text is there, the panel says "Applied". */
interface Applied {
  uri: string;
  text: string;
}

/** What the panel was last told: the finished state and message, and the actions (for tests and bug reports). */
export interface PanelSnapshot {
  state: PanelRunState | undefined;
  message: string | undefined;
  actions: PanelActions;
}

export class ProveController implements vscode.Disposable {
  readonly panel: WebviewHost<PanelState, ToPanel, FromPanel>;
  private run: Run | undefined;
  /** The refinement being written, and the last one shown (what Apply, Discard and Retry use). */
  private refining: Refinement | undefined;
  private refinement: Refinement | undefined;
  /** What the panel shows now: its buttons act on that. */
  private showing: 'proof' | 'refinement' = 'proof';
  /** The finished run with a proof that the panel shows: what Insert and Copy use. */
  private last: Run | undefined;
  /** The last finished run, with or without a proof: what Retry and Continue use. */
  private lastAttempt: Run | undefined;
  private placed: Placed | undefined;
  private applied: Applied | undefined;
  /** The run whose statement was edited while its proof was written: Insert offers "Insert anyway". */
  private statementChanged: Run | undefined;
  /** The last run failed because no model could be used: once one is ready, the panel says so. */
  private failedForModel = false;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    extensionUri: vscode.Uri,
    private readonly client: () => Promise<QedNanoClient>,
  ) {
    this.panel = new WebviewHost(extensionUri, { id: PROOF_VIEW_ID, title: 'QED-Nano Proof', script: 'panel.js', body: PANEL_BODY }, PANEL_MODEL, (message) =>
      this.onPanel(message).catch((error: unknown) => void vscode.window.showErrorMessage(`QED-Nano: ${error instanceof Error ? error.message : String(error)}`)),
    );
    this.subscriptions.push(
      vscode.workspace.onDidChangeTextDocument((change) => {
        this.followPlaced(change.document);
        this.followApplied(change.document);
      }),
    );
  }

  /** Proves the statement at `uri`/`position`, or else the active editor's selection or cursor. */
  async prove(uri?: string, position?: vscode.Position, mode: 'single' | 'deep' = 'single'): Promise<ProveResult | undefined> {
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
    return this.start(mode === 'deep' ? { ...params, mode } : params);
  }

  /** Continues the last attempt whose thinking ran out: summary, then a new attempt from the summary. */
  async continueLast(): Promise<ProveResult | undefined> {
    const attempt = this.lastAttempt;
    if (!attempt?.result || attempt.result.thoughtClosed || !attempt.result.thinking) {
      void vscode.window.showInformationMessage('QED-Nano: there is no unfinished attempt to continue.');
      return undefined;
    }
    return this.start({ ...withoutContinuation(attempt.params), continueFrom: { thinking: attempt.result.thinking } });
  }

  stop(): void {
    this.run?.cancel.cancel();
    this.refining?.cancel.cancel();
  }

  /** A model status from the server: an error the panel shows because no model could be used goes once
   * one is ready (a download error must not outlive the download). */
  onModelStatus(status: ModelStatus): void {
    if (status.state !== 'ready' || !this.failedForModel || this.run) return;
    this.failedForModel = false;
    this.finish({
      state: 'stopped',
      message: `The model is ready now${status.modelName ? ` (${status.modelName})` : ''}: Retry proves the statement.`,
      elapsedMs: this.panel.state?.elapsedMs ?? 0,
    });
  }

  /** What the panel was last told. */
  snapshot(): PanelSnapshot {
    const shown = this.panel.state;
    return { state: shown?.state, message: shown?.message, actions: this.actions() };
  }

  /** Refines a flagged step (or proof) with `qed/refine`, streaming into the panel for Apply or Discard. */
  async refine(params: RefineParams): Promise<RefineResult | undefined> {
    this.stop();
    const refinement: Refinement = { params, cancel: new vscode.CancellationTokenSource() };
    this.refining = refinement;
    this.refinement = refinement;
    this.applied = undefined;
    this.showing = 'refinement';
    await this.panel.reveal();
    const started = Date.now();
    this.panel.post({ type: 'run', kind: 'refinement', deep: false });
    this.postActions();
    try {
      const client = await this.client();
      const result = await client.refine(params, (progress) => {
        if (this.refining === refinement) this.panel.post({ type: 'progress', value: progress });
      }, refinement.cancel.token);
      refinement.result = result;
      this.finish({ state: 'done', message: 'Apply replaces exactly the text as written with the refined one (one undoable edit); Discard drops it.', elapsedMs: Date.now() - started });
      return result;
    } catch (error) {
      const cancelled = refinement.cancel.token.isCancellationRequested;
      this.finish({ state: cancelled ? 'stopped' : 'error', message: cancelled ? 'Stopped. Nothing was changed.' : error instanceof Error ? error.message : String(error), elapsedMs: Date.now() - started });
      return undefined;
    } finally {
      if (this.refining === refinement) this.refining = undefined;
      refinement.cancel.dispose();
    }
  }

  /** Applies the refinement shown: one undoable edit, refused if the text changed since it was written. */
  async applyRefinement(): Promise<boolean> {
    const refinement = this.refinement;
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
    this.refinement = undefined;
    this.applied = { uri: document.uri.toString(), text: result.edit.newText.trim() };
    this.finish({ state: 'done', message: 'Applied. Undo (Ctrl+Z) in the document restores the text as written.', elapsedMs: 0 });
    await vscode.window.showTextDocument(document, { preserveFocus: false });
    return true;
  }

  /** Drops the refinement shown. */
  discardRefinement(): void {
    this.refining?.cancel.cancel();
    if (!this.refinement) return;
    this.refinement = undefined;
    this.finish({ state: 'stopped', message: 'Discarded: nothing was changed.', elapsedMs: 0 });
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
   * Copies what the panel shows: a proof as Insert would write it into its document (LaTeX in a .tex file,
   * the document's own label and end mark in Markdown), or the model's text when its statement is gone; a
   * refinement's new text as Apply writes it. Returns the text copied.
   */
  async copy(): Promise<string | undefined> {
    let text: string | undefined;
    if (this.showing === 'refinement') text = this.refinement?.result?.edit.newText.trim();
    else {
      const run = this.last ?? this.lastAttempt;
      const proof = run && proofOf(run);
      if (run && proof) {
        const placed = run.statement ? await (await this.client()).proofInsertion(run.params.textDocument.uri, run.statement, proof, askedAt(run)) : null;
        text = placed ? placed.newText.trim() : proof;
      }
    }
    if (!text) {
      void vscode.window.showInformationMessage('QED-Nano: there is no proof to copy yet.');
      return undefined;
    }
    await vscode.env.clipboard.writeText(text);
    this.panel.post({ type: 'copied' });
    return text;
  }

  dispose(): void {
    this.stop();
    this.panel.dispose();
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

  /** Keeps "Applied" true to the document: after Undo the panel says the text as written is back. */
  private followApplied(document: vscode.TextDocument): void {
    const applied = this.applied;
    if (!applied || document.uri.toString() !== applied.uri || document.getText().includes(applied.text)) return;
    this.applied = undefined;
    this.finish({ state: 'stopped', message: 'Undone: the text as written is back. Critique the proof again to refine it anew.', elapsedMs: 0 });
  }

  private actions(): PanelActions {
    if (this.showing === 'refinement') {
      return { retry: this.refinement !== undefined, continue: false, insert: this.refinement?.result ? 'ready' : 'none' };
    }
    const attempt = this.lastAttempt?.result;
    return {
      retry: this.lastAttempt !== undefined,
      continue: attempt !== undefined && !attempt.deep && !attempt.thoughtClosed && attempt.thinking.length > 0,
      insert: this.insertState(),
    };
  }

  private insertState(): InsertState {
    if (!this.last) return 'none';
    if (this.placed?.run === this.last && this.placed.present) return 'inserted';
    return this.statementChanged === this.last ? 'statementChanged' : 'ready';
  }

  private postActions(): void {
    this.panel.post({ type: 'actions', actions: this.actions() });
  }

  /** Ends what the panel shows with a state and message, and tells it what it can do now. */
  private finish(end: { state: PanelRunState; message: string; elapsedMs: number; thinkingTokens?: number; thinkingMs?: number; tokensPerSecond?: number; objections?: string[] }): void {
    this.panel.post({ type: 'finish', thinkingTokens: 0, tokensPerSecond: 0, objections: [], ...end });
    this.postActions();
  }

  private async onPanel(message: FromPanel): Promise<void> {
    // 'ready' needs nothing here: the host restores the view with everything it was told.
    if (message.type === 'stop') this.stop();
    else if (this.showing === 'refinement' && (message.type === 'insert' || message.type === 'discard' || message.type === 'retry')) {
      if (message.type === 'insert') await this.applyRefinement();
      else if (message.type === 'discard') this.discardRefinement();
      else if (this.refinement) await this.refine(this.refinement.params);
    } else if (message.type === 'retry' && this.lastAttempt) {
      const params = withoutContinuation(this.lastAttempt.params);
      await this.start(message.deep ? { ...params, mode: 'deep' } : { ...params, mode: 'single' });
    }
    else if (message.type === 'continue') await this.continueLast();
    else if (message.type === 'insert') await this.insert({ anyway: message.anyway === true });
    else if (message.type === 'copy') await this.copy();
  }

  private async start(params: ProveParams): Promise<ProveResult | undefined> {
    this.stop();
    this.showing = 'proof';
    this.applied = undefined;
    const run: Run = { params, cancel: new vscode.CancellationTokenSource() };
    // Failures are recorded too, so that Retry works after an error (e.g. once a model is chosen).
    this.lastAttempt = run;
    // Insert and Copy act on what the panel shows: from now on, this run.
    this.last = undefined;
    this.failedForModel = false;
    this.run = run;
    await this.panel.reveal();
    const started = Date.now();
    try {
      const client = await this.client();
      this.panel.post({ type: 'run', kind: 'proof', deep: params.mode === 'deep' });
      this.postActions();
      const result = await client.prove(params, (progress) => {
        if (this.run !== run) return;
        if (progress.kind === 'started') run.statement = progress.statement;
        else if (progress.kind === 'candidates' && progress.best) run.bestSoFar = progress.best.proof;
        this.panel.post({ type: 'progress', value: progress });
      }, run.cancel.token);
      run.result = result;
      const state: PanelRunState = result.thoughtClosed && result.proof ? 'done' : 'noProof';
      if (state === 'done') this.last = run;
      this.finish({
        state,
        message: describe(result),
        thinkingTokens: result.stats.thinkingTokens,
        ...(result.stats.thinkingMs !== undefined ? { thinkingMs: result.stats.thinkingMs } : {}),
        tokensPerSecond: result.stats.tokensPerSecond,
        elapsedMs: Date.now() - started,
        objections: result.deep?.objections ?? [],
      });
      return result;
    } catch (error) {
      const cancelled = run.cancel.token.isCancellationRequested;
      const keepsBest = cancelled && run.bestSoFar !== undefined;
      if (keepsBest) this.last = run; // deep mode: the best verified proof so far can still be inserted or copied
      this.failedForModel = !cancelled && isModelUnavailable(error);
      this.finish({
        state: cancelled ? 'stopped' : 'error',
        message: keepsBest
          ? 'Stopped: the best proof so far (by verification scores) stays above; you can insert or copy it.'
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

/** The proof a run wrote: its result's, or (a stopped deep run) the best so far. */
function proofOf(run: Run): string | undefined {
  return run.result?.proof || run.bestSoFar;
}

/** Whether a request failed because no model could be used (the server's ModelUnavailableErrorData). */
export function isModelUnavailable(error: unknown): boolean {
  const data = (error as { data?: Partial<ModelUnavailableErrorData> } | undefined)?.data;
  return data?.modelUnavailable === true;
}

function withoutContinuation(params: ProveParams): ProveParams {
  const { continueFrom: _previous, ...rest } = params;
  return rest;
}

/** The line under the proof: how it ended, in words, and the statistics. */
function describe(result: ProveResult): string {
  if (result.deep) {
    const { deep } = result;
    const why = { perfectScore: 'a proof scored 1 in every verification', roundsDone: 'all rounds done', tokenBudget: 'the token budget (qedNano.deep.tokenBudget) was reached' }[deep.stoppedBecause];
    const chosen = deep.candidates.find((c) => c.id === deep.chosen);
    return chosen
      ? `Deep mode: ${deep.candidates.length} candidates over ${deep.rounds} round${deep.rounds === 1 ? '' : 's'}; chosen #${chosen.id} with mean score ${chosen.mean.toFixed(2)}; stopped because ${why}. ${deep.tokensUsed.toLocaleString()} tokens in ${(result.stats.ms / 1000).toFixed(1)} s.`
      : `Deep mode: no candidate finished a proof; stopped because ${why}.`;
  }
  const stats = `${result.stats.thinkingTokens.toLocaleString()} thinking + ${result.stats.answerTokens.toLocaleString()} proof tokens in ${(result.stats.ms / 1000).toFixed(1)} s (${result.stats.tokensPerSecond.toFixed(1)} tokens/s).`;
  switch (result.stopReason) {
    case 'endOfText':
      return result.proof ? `Done: ${stats}` : `The model ended without writing a proof. ${stats}`;
    case 'thinkingBudget':
      return `No proof: the model used its whole thinking budget (qedNano.generation.thinkingBudget) before writing one. Continue summarises that thinking and solves again from the summary. ${stats}`;
    case 'maxTokens':
      return result.thoughtClosed ? `The proof was cut at the token limit (qedNano.generation.maxTokens); it may be unfinished. ${stats}` : `No proof: the token limit was reached while the model was still thinking. ${stats}`;
    case 'repetitionLoop':
      return `Stopped: the model was repeating itself. ${result.proof ? 'The proof may be unfinished. ' : 'No proof was written. '}${stats}`;
    default:
      return stats;
  }
}
