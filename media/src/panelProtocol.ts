/**
 * The messages between the extension and the proof panel's webview: one typed definition for both sides
 * (the extension imports it; the webview script is bundled with it).
 */

import type { CandidateSummary, GenerationProgress, ProveMode } from '../../server/src/protocol';

export type PanelRunState = 'running' | 'done' | 'stopped' | 'noProof' | 'error';

/** What the panel shows: a proof of a statement, or a refinement of a flagged step (or proof). */
export type PanelKind = 'proof' | 'refinement';

/**
 * Where Insert stands for the proof shown: `none` (nothing to insert), `ready`, `inserted` (it is in the
 * document; Undo there makes it `ready` again), `statementChanged` (the statement was edited while the proof
 * was written: the button offers "Insert anyway").
 */
export type InsertState = 'none' | 'ready' | 'inserted' | 'statementChanged';

/**
 * What the extension can do now for what the panel shows. The extension sends it after every change and
 * whenever the view loads, so a view restored with an earlier session's proof offers only what the
 * extension still has (nothing, after a window reload).
 */
export interface PanelActions {
  retry: boolean;
  /** The reply stopped while still thinking: it can be continued from a summary of that thinking. */
  continue: boolean;
  /** Insert (a proof) or Apply (a refinement). */
  insert: InsertState;
}

export const NO_ACTIONS: PanelActions = { retry: false, continue: false, insert: 'none' };

/** Everything the panel shows; also what it saves to restore itself when hidden and shown again. */
export interface PanelState {
  kind: PanelKind;
  /** The statement (a proof), or the step or proof as written (a refinement). */
  statement: string;
  macros: Record<string, string>;
  thinking: string;
  proof: string;
  state: PanelRunState;
  /** Shown under the proof: stop reason, statistics, or the error with its next step. */
  message: string;
  /** The reply's thinking tokens: streamed with the text, then the final count (the same measure). */
  thinkingTokens: number;
  /** How long the thinking took: measured here when the proof starts, then the server's figure. */
  thinkingMs: number | undefined;
  tokensPerSecond: number;
  startedAt: number;
  elapsedMs: number;
  /** The previous proof, kept visible (marked outdated) until the new one starts arriving. */
  outdatedProof: string;
  actions: PanelActions;
  /** Copy was just used: its button says so for a moment. */
  copied: boolean;
  /** What the work is doing now, when it is not model text (e.g. summarising). */
  phase: string;
  /** Deep mode: every candidate with its scores, the chosen (or best so far) one, and the verifiers'
   * objections to the chosen proof. */
  candidates: CandidateSummary[];
  chosen: number | undefined;
  objections: string[];
  /** The reasoning cache: the summary written after each attempt, in order (model text). */
  summaries: string[];
  /** When the thinking shown began (the run's start, or the current reasoning-cache attempt's). */
  thinkingStartedAt: number;
  /** The mode chosen in the panel (used by Retry): single pass, deep, or the reasoning cache. */
  mode: ProveMode;
}

export type ToPanel =
  /** A run begins in `mode`; the last proof stays visible, marked outdated, until text comes. */
  | { type: 'run'; kind: PanelKind; mode: ProveMode }
  /** A value of the run's `qed/prove` stream, exactly as the server sent it (the wire's GenerationProgress). */
  | { type: 'progress'; value: GenerationProgress }
  /** The run ended; `proof`, when given, is the proof it ends with (see RunEnd in client/src/proofView.ts). */
  | { type: 'finish'; state: PanelRunState; message: string; thinkingTokens: number; thinkingMs?: number; tokensPerSecond: number; elapsedMs: number; objections: string[]; proof?: string }
  | { type: 'actions'; actions: PanelActions }
  /** The text Copy put on the clipboard is there. */
  | { type: 'copied' }
  /** The view's own: "Copied" has been shown long enough. */
  | { type: 'copiedShown' }
  /** The whole state, sent by the host on every `ready` (the page was loaded or loaded again). */
  | { type: 'restore'; state: PanelState };

export type FromPanel =
  | { type: 'stop' }
  /** Prove the same statement again, in the mode chosen in the panel. */
  | { type: 'retry'; mode: ProveMode }
  | { type: 'continue' }
  /** Insert the proof (`anyway`: after the statement at the same place, though it was edited), or apply the
   * refinement. */
  | { type: 'insert'; anyway?: boolean }
  /** Drop the refinement shown. */
  | { type: 'discard' }
  | { type: 'copy' }
  /** The view's script runs (first load, shown again, or loaded again): the host restores its state. */
  | { type: 'ready' };
