/**
 * The side panel's controller. "QED-Nano: Prove Selected Statement" sends `qed/prove` for the selection (or
 * the statement at the cursor), streams thinking and proof into the panel, and keeps the last result for
 * Insert, Copy and Retry. A refinement (the quick fix on a critique finding) sends `qed/refine` and shows
 * the text as written and the model's replacement, with Apply and Discard. Stop cancels the request; the
 * text so far stays in the panel.
 */
import * as vscode from 'vscode';
import type { FromPanel, PanelRunState } from '../../media/src/panelProtocol';
import type { ProveParams, ProveResult, RefineParams, RefineResult } from '../../server/src/protocol';
import type { QedNanoClient } from './languageClient';
import { ProofPanel } from './proofPanel';

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

export class ProveController implements vscode.Disposable {
  readonly panel: ProofPanel;
  private run: Run | undefined;
  /** The refinement being written, and the last one shown (what Apply, Discard and Retry use). */
  private refining: Refinement | undefined;
  private refinement: Refinement | undefined;
  /** What the panel shows now: its buttons act on that. */
  private showing: 'proof' | 'refinement' = 'proof';
  /** The last finished run with a proof: what Insert and Copy use. */
  private last: Run | undefined;
  /** The last finished run, with or without a proof: what Retry and Continue use. */
  private lastAttempt: Run | undefined;

  constructor(
    extensionUri: vscode.Uri,
    private readonly client: () => Promise<QedNanoClient>,
  ) {
    this.panel = new ProofPanel(extensionUri, (message) => void this.onPanel(message));
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

  /** Refines a flagged step (or proof) with `qed/refine`, streaming into the panel for Apply or Discard. */
  async refine(params: RefineParams): Promise<RefineResult | undefined> {
    this.stop();
    const refinement: Refinement = { params, cancel: new vscode.CancellationTokenSource() };
    this.refining = refinement;
    this.refinement = refinement;
    this.showing = 'refinement';
    await this.panel.reveal();
    const started = Date.now();
    this.panel.post({ type: 'run', kind: 'refinement', deep: false });
    const finish = (state: PanelRunState, message: string, canInsert: boolean): void =>
      this.panel.post({ type: 'finish', state, message, thinkingTokens: 0, tokensPerSecond: 0, elapsedMs: Date.now() - started, canInsert, canContinue: false, objections: [] });
    try {
      const client = await this.client();
      const result = await client.refine(params, (progress) => {
        if (this.refining === refinement) this.panel.post({ type: 'progress', value: progress });
      }, refinement.cancel.token);
      refinement.result = result;
      finish('done', 'Apply replaces exactly the text as written with the refined one (one undoable edit); Discard drops it.', true);
      return result;
    } catch (error) {
      const cancelled = refinement.cancel.token.isCancellationRequested;
      finish(cancelled ? 'stopped' : 'error', cancelled ? 'Stopped. Nothing was changed.' : error instanceof Error ? error.message : String(error), false);
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
      if (choice) await vscode.env.clipboard.writeText(result.after);
      return false;
    }
    const edit = new vscode.WorkspaceEdit();
    const { start, end } = result.edit.range;
    edit.replace(document.uri, new vscode.Range(start.line, start.character, end.line, end.character), result.edit.newText);
    if (!(await vscode.workspace.applyEdit(edit))) return false;
    this.refinement = undefined;
    this.panel.post({ type: 'finish', state: 'done', message: 'Applied. Undo (Ctrl+Z) in the document restores the text as written.', thinkingTokens: 0, tokensPerSecond: 0, elapsedMs: 0, canInsert: false, canContinue: false, objections: [] });
    await vscode.window.showTextDocument(document, { preserveFocus: false });
    return true;
  }

  /** Drops the refinement shown. */
  discardRefinement(): void {
    this.refining?.cancel.cancel();
    if (!this.refinement) return;
    this.refinement = undefined;
    this.panel.post({ type: 'finish', state: 'stopped', message: 'Discarded: nothing was changed.', thinkingTokens: 0, tokensPerSecond: 0, elapsedMs: 0, canInsert: false, canContinue: false, objections: [] });
  }

  /** Inserts the last proof after its statement, as one undoable edit. */
  async insert(): Promise<boolean> {
    const last = this.last;
    const uri = last?.params.textDocument.uri;
    const insertion =
      last?.result?.insertion ??
      (uri && last?.statement && last.bestSoFar ? ((await (await this.client()).proofInsertion(uri, last.statement, last.bestSoFar)) ?? undefined) : undefined);
    if (!insertion || !uri) {
      void vscode.window.showInformationMessage('QED-Nano: there is no proof to insert yet.');
      return false;
    }
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
    if (document.version !== insertion.version) {
      void vscode.window.showWarningMessage('QED-Nano: the document changed while the proof was written; use Retry to place the proof again.');
      return false;
    }
    const edit = new vscode.WorkspaceEdit();
    const { start, end } = insertion.range;
    edit.replace(document.uri, new vscode.Range(start.line, start.character, end.line, end.character), insertion.newText);
    const applied = await vscode.workspace.applyEdit(edit);
    if (applied) await vscode.window.showTextDocument(document, { preserveFocus: false });
    return applied;
  }

  async copy(): Promise<void> {
    const text = this.showing === 'refinement' ? this.refinement?.result?.after : (this.last?.result?.proof ?? this.last?.bestSoFar);
    if (text) await vscode.env.clipboard.writeText(text);
  }

  dispose(): void {
    this.stop();
  }

  private async onPanel(message: FromPanel): Promise<void> {
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
    else if (message.type === 'insert') await this.insert();
    else if (message.type === 'copy') await this.copy();
  }

  private async start(params: ProveParams): Promise<ProveResult | undefined> {
    this.stop();
    this.showing = 'proof';
    const run: Run = { params, cancel: new vscode.CancellationTokenSource() };
    // Failures are recorded too, so that Retry works after an error (e.g. once a model is chosen).
    this.lastAttempt = run;
    this.run = run;
    await this.panel.reveal();
    const started = Date.now();
    try {
      const client = await this.client();
      this.panel.post({ type: 'run', kind: 'proof', deep: params.mode === 'deep' });
      const result = await client.prove(params, (progress) => {
        if (this.run !== run) return;
        if (progress.kind === 'started') run.statement = progress.statement;
        else if (progress.kind === 'candidates' && progress.best) run.bestSoFar = progress.best.proof;
        this.panel.post({ type: 'progress', value: progress });
      }, run.cancel.token);
      run.result = result;
      const state: PanelRunState = result.thoughtClosed && result.proof ? 'done' : 'noProof';
      this.panel.post({
        type: 'finish',
        state,
        message: describe(result),
        thinkingTokens: result.stats.thinkingTokens,
        tokensPerSecond: result.stats.tokensPerSecond,
        elapsedMs: Date.now() - started,
        canInsert: result.insertion !== undefined,
        canContinue: !result.deep && !result.thoughtClosed && result.thinking.length > 0,
        objections: result.deep?.objections ?? [],
      });
      if (state === 'done') this.last = run;
      return result;
    } catch (error) {
      const cancelled = run.cancel.token.isCancellationRequested;
      const keepsBest = cancelled && run.bestSoFar !== undefined;
      if (keepsBest) this.last = run; // deep mode: the best verified proof so far can still be inserted or copied
      this.panel.post({
        type: 'finish',
        state: cancelled ? 'stopped' : 'error',
        message: keepsBest
          ? 'Stopped: the best proof so far (by verification scores) stays above; you can insert or copy it.'
          : cancelled
            ? 'Stopped. What the model wrote so far stays above; it is not a finished proof.'
            : `${error instanceof Error ? error.message : String(error)}`,
        thinkingTokens: 0,
        tokensPerSecond: 0,
        elapsedMs: Date.now() - started,
        canInsert: keepsBest,
        canContinue: false,
        objections: [],
      });
      if (!cancelled) throw error;
      return undefined;
    } finally {
      if (this.run === run) this.run = undefined;
      run.cancel.dispose();
    }
  }
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
  const stats = `${result.stats.thinkingTokens.toLocaleString()} thinking + ${result.stats.proofTokens.toLocaleString()} proof tokens in ${(result.stats.ms / 1000).toFixed(1)} s (${result.stats.tokensPerSecond.toFixed(1)} tokens/s).`;
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
