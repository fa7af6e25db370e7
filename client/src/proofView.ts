/**
 * The Proof view (the side panel) and who speaks in it. It shows one thing at a time: a proof (the proof
 * controller's) or a refinement (the refinement controller's). The controller whose work is shown owns the
 * view's buttons: the view routes the panel's messages to it and asks it which actions to offer; when the
 * other one starts, the one shown before stops first.
 */
import * as vscode from 'vscode';
import { PANEL_BODY } from '../../media/src/panelMarkup';
import type { FromPanel, PanelActions, PanelKind, PanelRunState, PanelState, ToPanel } from '../../media/src/panelProtocol';
import { PANEL_MODEL } from '../../media/src/panelState';
import type { ProveMode } from '../../server/src/protocol';
import { WebviewHost } from './webviewHost';

export const PROOF_VIEW_ID = 'qedNano.proofView';
/** The context key that holds while a run shown in the view is in progress: Stop's keybinding and its Command
 * Palette entry exist only then (package.json). */
export const RUNNING_CONTEXT_KEY = 'qedNano.running';

/** What a controller shown in the view must do. */
export interface ProofViewOwner {
  /** What the view offers now for this owner's work. */
  actions(): PanelActions;
  /** A message of the panel's buttons, while this owner is shown (`ready` and `stop` are the view's). */
  onPanel(message: Exclude<FromPanel, { type: 'ready' | 'stop' }>): Promise<void>;
  /** Copies what this owner shows (as it would go into the document); returns the text copied. */
  copy(): Promise<string | undefined>;
  /** Stops this owner's running work, if any (its text so far stays). */
  stop(): void;
}

/** How a run ends in the view: its state, the line under it, and its figures. */
export interface RunEnd {
  state: PanelRunState;
  message: string;
  elapsedMs: number;
  thinkingTokens?: number;
  thinkingMs?: number;
  tokensPerSecond?: number;
  objections?: string[];
  /** The proof the run ends with, when it is not the text streamed last (a reasoning-cache attempt that
   * wrote none keeps an earlier attempt's; a stopped run keeps the last proof so far). */
  proof?: string;
}

/** What the view was last told: the finished state and message, and the actions (for tests and bug reports). */
export interface PanelSnapshot {
  state: PanelRunState | undefined;
  message: string | undefined;
  actions: PanelActions;
}

export class ProofView implements vscode.Disposable {
  readonly host: WebviewHost<PanelState, ToPanel, FromPanel>;
  private owner: ProofViewOwner | undefined;
  private readonly owners: ProofViewOwner[] = [];
  /** Runs in progress (a stopped run is in progress until the server has answered its cancellation). */
  private inProgress = 0;

  constructor(extensionUri: vscode.Uri) {
    this.host = new WebviewHost(extensionUri, { id: PROOF_VIEW_ID, title: 'QED-Nano Proof', script: 'panel.js', body: PANEL_BODY }, PANEL_MODEL, (message) =>
      this.onPanel(message).catch((error: unknown) => void vscode.window.showErrorMessage(`QED-Nano: ${error instanceof Error ? error.message : String(error)}`)),
    );
  }

  /** Registers a controller that may be shown; the first is shown until another begins. */
  add(owner: ProofViewOwner): void {
    this.owners.push(owner);
    this.owner ??= owner;
  }

  /** Whether `owner`'s work is what the view shows. */
  shows(owner: ProofViewOwner): boolean {
    return this.owner === owner;
  }

  /** `owner` (whose own earlier run it stopped itself) starts a run of `kind`: the other controllers' running
   * work stops, and the view is revealed and shows the new run. */
  async begin(owner: ProofViewOwner, kind: PanelKind, mode: ProveMode): Promise<void> {
    for (const other of this.owners) if (other !== owner) other.stop();
    this.owner = owner;
    await this.host.reveal();
    this.host.post({ type: 'run', kind, mode });
    this.postActions();
  }

  /** Awaits `work`, a run's request to the server, with the RUNNING_CONTEXT_KEY set until it settles. */
  async whileRunning<T>(work: Promise<T>): Promise<T> {
    this.setInProgress(this.inProgress + 1);
    try {
      return await work;
    } finally {
      this.setInProgress(this.inProgress - 1);
    }
  }

  /** `owner` takes the view without a new run (e.g. Apply's outcome): its actions are shown. */
  take(owner: ProofViewOwner): void {
    this.owner = owner;
  }

  post(message: ToPanel): void {
    this.host.post(message);
  }

  /** Ends what the view shows with a state and message, and tells it what it can do now. */
  finish(end: RunEnd): void {
    this.host.post({ type: 'finish', thinkingTokens: 0, tokensPerSecond: 0, objections: [], ...end });
    this.postActions();
  }

  postActions(): void {
    this.host.post({ type: 'actions', actions: this.owner?.actions() ?? { retry: false, continue: false, insert: 'none' } });
  }

  snapshot(): PanelSnapshot {
    const shown = this.host.state;
    return { state: shown?.state, message: shown?.message, actions: this.owner?.actions() ?? { retry: false, continue: false, insert: 'none' } };
  }

  /** Copy: what the view shows now. */
  async copy(): Promise<string | undefined> {
    return this.owner?.copy();
  }

  stopAll(): void {
    for (const owner of this.owners) owner.stop();
  }

  dispose(): void {
    this.stopAll();
    this.host.dispose();
  }

  private setInProgress(count: number): void {
    if ((count > 0) !== (this.inProgress > 0)) void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, count > 0);
    this.inProgress = count;
  }

  private async onPanel(message: FromPanel): Promise<void> {
    // 'ready' needs nothing here: the host restores the view with everything it was told.
    if (message.type === 'ready') return;
    if (message.type === 'stop') this.stopAll();
    else await this.owner?.onPanel(message);
  }
}
