/**
 * The Chat view's controller: the conversation about the problem at the cursor. It follows the cursor from
 * problem to problem (each has its own history, kept by the server per workspace) unless pinned; it sends
 * messages with `qed/chat` and streams the replies into the view; Stop, Retry, Copy, Insert at cursor and
 * New conversation act on the problem's current conversation.
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CHAT_BODY } from '../../media/src/chatMarkup';
import type { ChatViewState, FromChat, ToChat } from '../../media/src/chatProtocol';
import { CHAT_MODEL } from '../../media/src/chatState';
import { asParagraphAt } from '../../server/src/documents/textFormat';
import type { ChatResult } from '../../server/src/protocol';
import type { QedNanoClient } from './languageClient';
import { WebviewHost } from './webviewHost';

export const CHAT_VIEW_ID = 'qedNano.chatView';

/** Replies remembered for Copy and Insert (a view shows far fewer). */
const MAX_SHOWN_REPLIES = 200;

/** How long the cursor rests before the view follows it to another problem. */
const FOLLOW_DELAY_MS = 250;

interface Place {
  uri: string;
  position: { line: number; character: number };
}

export class ChatController implements vscode.Disposable {
  readonly view: WebviewHost<ChatViewState, ToChat, FromChat>;
  /** Where the chat points: the problem there is the one talked about. */
  private place: Place | undefined;
  /** Its problem ("Theorem 2, notes.md:14") as last shown, and its current conversation. */
  private shown: string | undefined;
  /** Its statement, as qed/proofInsertion names it. */
  private statement: string | undefined;
  private macros: Record<string, string> = {};
  private conversation: string | undefined;
  /** The problem ("shown") for which New conversation was pressed: its next message begins a conversation,
   * whatever the server's history says is current, and its old turns are not shown meanwhile. */
  private startingNew: string | undefined;
  private pinned = false;
  /** Replies the view has shown, by turn id (the last MAX_SHOWN_REPLIES): a history refresh renames the
   * turns in the host's state while the view may still show the old ones, and Copy or Insert on them must
   * still find their text. */
  private readonly shownReplies = new Map<string, string>();
  private running: vscode.CancellationTokenSource | undefined;
  private lastMessage: string | undefined;
  private followTimer: NodeJS.Timeout | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    extensionUri: vscode.Uri,
    private readonly client: () => Promise<QedNanoClient>,
  ) {
    this.view = new WebviewHost(extensionUri, { id: CHAT_VIEW_ID, title: 'QED-Nano Chat', script: 'chat.js', body: CHAT_BODY }, CHAT_MODEL, (message) =>
      this.onView(message).catch((error: unknown) => void vscode.window.showErrorMessage(`QED-Nano: ${error instanceof Error ? error.message : String(error)}`)),
    );
    this.subscriptions.push(
      vscode.window.onDidChangeTextEditorSelection((event) => this.follow(event.textEditor)),
      vscode.window.onDidChangeActiveTextEditor((editor) => editor && this.follow(editor)),
    );
  }

  /** Sends `message` about the problem at the cursor (opening the view); resolves with the reply. */
  async ask(message: string): Promise<ChatResult | undefined> {
    await this.view.reveal();
    const editor = vscode.window.activeTextEditor;
    if (!this.pinned && editor) await this.refresh(editor);
    if (!this.place) {
      void vscode.window.showInformationMessage('QED-Nano: put the cursor in a problem, theorem or lemma to chat about it.');
      return undefined;
    }
    this.running?.cancel();
    const running = new vscode.CancellationTokenSource();
    this.running = running;
    this.lastMessage = message;
    this.tell({ type: 'asked', message, turn: randomUUID() });
    try {
      const client = await this.client();
      const result = await client.chat(
        { textDocument: { uri: this.place.uri }, position: this.place.position, message, ...(this.conversation ? { conversation: this.conversation } : {}) },
        (value) => {
          if (this.running === running) this.tell({ type: 'progress', value });
        },
        running.token,
      );
      this.conversation = result.conversation;
      this.startingNew = undefined; // the conversation it began is now the problem's current one
      this.tell({ type: 'finish', state: 'done', message: describe(result), thinkingTokens: result.stats.thinkingTokens });
      return result;
    } catch (error) {
      const stopped = running.token.isCancellationRequested;
      this.tell({ type: 'finish', state: stopped ? 'stopped' : 'error', message: stopped ? 'Stopped: the reply was not kept.' : error instanceof Error ? error.message : String(error) });
      if (stopped) await this.show(); // the server kept nothing of a stopped turn
      return undefined;
    } finally {
      if (this.running === running) this.running = undefined;
      running.dispose();
    }
  }

  stop(): void {
    this.running?.cancel();
  }

  dispose(): void {
    this.stop();
    this.view.dispose();
    clearTimeout(this.followTimer);
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  /** Tells the view `message`, and remembers the finished replies it now shows (a reply still streaming has
   * no Copy or Insert yet: nothing is done per streamed value). */
  private tell(message: ToChat): void {
    this.view.post(message);
    if (message.type !== 'problem' && message.type !== 'finish') return;
    for (const turn of this.view.state?.turns ?? []) {
      if (turn.role !== 'assistant' || !turn.text) continue;
      this.shownReplies.delete(turn.id);
      this.shownReplies.set(turn.id, turn.text);
    }
    for (const id of this.shownReplies.keys()) {
      if (this.shownReplies.size <= MAX_SHOWN_REPLIES) break;
      this.shownReplies.delete(id);
    }
  }

  private follow(editor: vscode.TextEditor): void {
    if (this.pinned || !isProofDocument(editor.document)) return;
    clearTimeout(this.followTimer);
    this.followTimer = setTimeout(() => void this.refresh(editor), FOLLOW_DELAY_MS);
  }

  /** Points the chat at the problem under the editor's cursor and shows its conversation. */
  private async refresh(editor: vscode.TextEditor): Promise<void> {
    if (!isProofDocument(editor.document) || this.running) return;
    const { line, character } = editor.selection.active;
    this.place = { uri: editor.document.uri.toString(), position: { line, character } };
    try {
      await this.show();
    } catch {
      // The server is restarting (or gone): the view keeps what it shows, and the next move of the cursor
      // asks again. The language client reports the server's state itself.
    }
  }

  private async show(): Promise<void> {
    if (!this.place) return;
    const history = await (await this.client()).chatHistory(this.place.uri, this.place.position);
    const problem = history.problem ? `${history.problem.title}, ${path.basename(vscode.Uri.parse(this.place.uri).path)}:${history.problem.line + 1}` : undefined;
    if (!problem) this.place = undefined;
    this.shown = problem;
    this.statement = history.problem?.statement;
    this.macros = history.macros;
    if (problem !== undefined && this.startingNew === problem) {
      this.conversation = undefined;
      this.tell({ type: 'problem', problem, pinned: this.pinned, macros: history.macros, turns: [], summarised: false, problemChanged: false });
      return;
    }
    this.startingNew = undefined;
    this.conversation = history.conversation;
    const turns = history.turns.map((turn, index) => ({ ...turn, id: `${history.conversation ?? 'none'}#${index}` }));
    this.tell({ type: 'problem', problem, pinned: this.pinned, macros: history.macros, turns, summarised: history.summarised, problemChanged: history.problemChanged });
  }

  private async onView(message: FromChat): Promise<void> {
    switch (message.type) {
      case 'ready':
        if (vscode.window.activeTextEditor) await this.refresh(vscode.window.activeTextEditor);
        break;
      case 'send':
        await this.ask(message.message);
        break;
      case 'stop':
        this.stop();
        break;
      case 'retry':
        if (this.lastMessage) await this.ask(this.lastMessage);
        break;
      case 'new':
        this.conversation = undefined;
        this.startingNew = this.shown;
        this.tell({ type: 'problem', problem: this.shown, pinned: this.pinned, macros: this.macros, turns: [], summarised: false, problemChanged: false });
        break;
      case 'pin':
        this.pinned = message.pinned && this.place !== undefined;
        await this.show();
        break;
      case 'copy':
      case 'insert': {
        const reply = this.shownReplies.get(message.turn);
        if (!reply) {
          void vscode.window.showInformationMessage('QED-Nano: that reply is no longer in the conversation shown; ask again or pick another.');
          return;
        }
        if (message.type === 'copy') {
          await vscode.env.clipboard.writeText(reply);
          void vscode.window.setStatusBarMessage('QED-Nano: copied', 3000);
        } else if (message.as === 'cursor') await this.insertAtCursor(reply);
        else await this.insertAsProof(reply);
        break;
      }
    }
  }

  /** Inserts `reply` after the problem as its proof, in the document's format and style (one edit). */
  private async insertAsProof(reply: string): Promise<void> {
    const place = this.place;
    const insertion = place && this.statement ? await (await this.client()).proofInsertion(place.uri, this.statement, reply) : undefined;
    if (!place || !insertion) {
      void vscode.window.showInformationMessage('QED-Nano: the problem is no longer in the document; copy the reply instead.');
      return;
    }
    const { start, end } = insertion.range;
    const edit = new vscode.WorkspaceEdit();
    edit.replace(vscode.Uri.parse(place.uri), new vscode.Range(start.line, start.character, end.line, end.character), insertion.newText);
    await vscode.workspace.applyEdit(edit);
  }

  /**
   * Inserts `reply` at the cursor of the problem's editor as a paragraph of its own (after the paragraph the
   * cursor is in, never inside a line or a formula), in the document's format (LaTeX in a .tex file).
   */
  private async insertAtCursor(reply: string): Promise<void> {
    const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === this.place?.uri) ?? vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('QED-Nano: open the problem\'s file to insert the reply; or copy it.');
      return;
    }
    const { document } = editor;
    const lines = Array.from({ length: document.lineCount }, (_, i) => document.lineAt(i).text);
    const format = document.languageId === 'latex' ? 'latex' : 'markdown';
    const insertion = asParagraphAt(lines, editor.selection.active.line, reply, format);
    const at = new vscode.Position(insertion.line, insertion.character);
    if (await editor.edit((edit) => edit.insert(at, insertion.text))) editor.selection = new vscode.Selection(at, at);
  }
}

function isProofDocument(document: vscode.TextDocument): boolean {
  return document.languageId === 'latex' || document.languageId === 'markdown';
}

function describe(result: ChatResult): string {
  const stats = `${result.stats.thinkingTokens.toLocaleString()} thinking + ${result.stats.answerTokens.toLocaleString()} reply tokens in ${(result.stats.ms / 1000).toFixed(1)} s`;
  if (result.stopReason === 'thinkingBudget' || !result.reply) return `No reply: the model used its whole thinking budget before answering (qedNano.generation.thinkingBudget). ${stats}.`;
  if (result.stopReason === 'maxTokens') return `The reply was cut at the token limit (qedNano.generation.maxTokens). ${stats}.`;
  return `${stats}.`;
}
