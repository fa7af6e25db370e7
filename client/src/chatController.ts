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
import { analyzeDocument } from '../../server/src/documents/analyzer';
import { inlineMathOf } from '../../server/src/documents/inlineMath';
import { asParagraphAt } from '../../server/src/documents/textFormat';
import type { ChatResult } from '../../server/src/protocol';
import { ChatSession } from './chatSession';
import type { QedNanoClient } from './languageClient';
import { RunLifecycle } from './runLifecycle';
import { WebviewHost } from './webviewHost';

export const CHAT_VIEW_ID = 'qedNano.chatView';

/** How long the cursor rests before the view follows it to another problem. */
const FOLLOW_DELAY_MS = 250;

export class ChatController implements vscode.Disposable {
  readonly view: WebviewHost<ChatViewState, ToChat, FromChat>;
  private readonly session = new ChatSession();
  private readonly runs = new RunLifecycle(() => new vscode.CancellationTokenSource());
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
    if (!this.session.pinned && editor) await this.refresh(editor);
    const params = this.session.request(message);
    if (!params) {
      void vscode.window.showInformationMessage('QED-Nano: put the cursor in a problem, theorem or lemma to chat about it.');
      return undefined;
    }
    const outcome = await this.runs.run(
      async (active) =>
        (await this.client()).chat(params, (value) => {
          if (active.isCurrent()) this.tell({ type: 'progress', value });
        }, active.token),
      async () => this.tell({ type: 'asked', message, turn: randomUUID() }),
    );
    if (outcome.kind === 'done') this.session.answered(outcome.value.conversation);
    // A reply stopped because another message was sent: the view shows that one now.
    if (outcome.superseded) return outcome.kind === 'done' ? outcome.value : undefined;
    if (outcome.kind === 'done') {
      this.tell({ type: 'finish', state: 'done', message: describe(outcome.value), thinkingTokens: outcome.value.stats.thinkingTokens });
      return outcome.value;
    }
    const stopped = outcome.kind === 'stopped';
    this.tell({ type: 'finish', state: stopped ? 'stopped' : 'error', message: stopped ? 'Stopped: the reply was not kept.' : outcome.error instanceof Error ? outcome.error.message : String(outcome.error) });
    if (stopped) await this.show(); // the server kept nothing of a stopped turn
    return undefined;
  }

  stop(): void {
    this.runs.stop();
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
    if (message.type === 'problem' || message.type === 'finish') this.session.remember(this.view.state?.turns ?? []);
  }

  private follow(editor: vscode.TextEditor): void {
    if (this.session.pinned || !isProofDocument(editor.document)) return;
    clearTimeout(this.followTimer);
    this.followTimer = setTimeout(() => void this.refresh(editor), FOLLOW_DELAY_MS);
  }

  /** Points the chat at the problem under the editor's cursor and shows its conversation. */
  private async refresh(editor: vscode.TextEditor): Promise<void> {
    if (!isProofDocument(editor.document) || this.runs.running) return;
    const { line, character } = editor.selection.active;
    this.session.place = { uri: editor.document.uri.toString(), position: { line, character } };
    try {
      await this.show();
    } catch {
      // The server is restarting (or gone): the view keeps what it shows, and the next move of the cursor
      // asks again. The language client reports the server's state itself.
    }
  }

  private async show(): Promise<void> {
    const place = this.session.place;
    if (!place) return;
    const history = await (await this.client()).chatHistory(place.uri, place.position);
    this.tell(this.session.showHistory(history, path.basename(vscode.Uri.parse(place.uri).path)));
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
        if (this.session.lastMessage) await this.ask(this.session.lastMessage);
        break;
      case 'new':
        this.tell(this.session.startNew());
        break;
      case 'pin':
        this.session.pinned = message.pinned && this.session.place !== undefined;
        await this.show();
        break;
      case 'copy':
      case 'insert': {
        const reply = this.session.reply(message.turn);
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
    const { place, statement } = this.session;
    const insertion = place && statement ? await (await this.client()).proofInsertion(place.uri, statement, reply) : undefined;
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
   * cursor is in, never inside a line or a formula), in the document's format (LaTeX in a .tex file, its inline
   * math written as the document writes it).
   */
  private async insertAtCursor(reply: string): Promise<void> {
    const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === this.session.place?.uri) ?? vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('QED-Nano: open the problem\'s file to insert the reply; or copy it.');
      return;
    }
    const { document } = editor;
    const lines = Array.from({ length: document.lineCount }, (_, i) => document.lineAt(i).text);
    const format = document.languageId === 'latex' ? 'latex' : 'markdown';
    // Inline math between the delimiters the document uses, by the rule Insert and refinements follow (the
    // file analysed alone: the server's project view is not needed to count its formulas).
    const inlineMath = format === 'latex' ? inlineMathOf((r) => document.getText(new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character)), analyzeDocument(format, document.getText())) : '$';
    const insertion = asParagraphAt(lines, editor.selection.active.line, reply, format, inlineMath);
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
