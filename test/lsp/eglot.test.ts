/**
 * The server as Emacs's eglot 1.9 (Debian 12's elpa-eglot) meets it, over a real stdio connection with the
 * real engine and the tiny model in scripted mode: the client capabilities are eglot's own
 * (`eglot-client-capabilities` in eglot.el 1.9, copied below: no dynamic registration of configuration, no
 * code action resolution, no inline completion, no work-done progress), and the client does what eglot does:
 * one language id for every file of the entry, `workspace/configuration` answered with `[null]` when the user
 * set no `eglot-workspace-configuration`, `didChangeConfiguration` with empty settings right after
 * connecting, server edits applied (`workspace/applyEdit`). Each test is an item of issue 32.
 * test/emacs/ runs the same against a real Emacs.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  ApplyWorkspaceEditRequest,
  CodeActionRequest,
  CodeLensRequest,
  CompletionRequest,
  ConfigurationRequest,
  ExecuteCommandRequest,
  LogMessageNotification,
  RegistrationRequest,
  ShowMessageNotification,
  WorkDoneProgressCreateRequest,
  type ClientCapabilities,
  type CodeAction,
  type Command,
  type CompletionList,
  type Diagnostic,
  type InitializeResult,
  type TextDocumentEdit,
  type TextEdit,
} from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LoadModelRequest, SetupInfoRequest, StatusNotification, type ModelStatus } from '../../server/src/protocol';
import { FakeHuggingFace } from '../support/fakeHuggingFace';
import { TestLanguageClient } from '../support/lspClient';
import { tinyModelPath } from '../support/models';
import { tinyModelBytes } from '../support/tinyModel';

/** eglot 1.9's `eglot-client-capabilities`, as it sends them from a local (not TRAMP) buffer without yasnippet. */
export const EGLOT_1_9_CAPABILITIES: ClientCapabilities = {
  workspace: {
    applyEdit: true,
    executeCommand: { dynamicRegistration: false },
    workspaceEdit: { documentChanges: true },
    didChangeWatchedFiles: { dynamicRegistration: true },
    symbol: { dynamicRegistration: false },
    configuration: true,
    workspaceFolders: true,
  },
  textDocument: {
    synchronization: { dynamicRegistration: false, willSave: true, willSaveWaitUntil: true, didSave: true },
    completion: { dynamicRegistration: false, completionItem: { snippetSupport: false, deprecatedSupport: true, tagSupport: { valueSet: [1] } }, contextSupport: true },
    hover: { dynamicRegistration: false, contentFormat: ['markdown', 'plaintext'] },
    signatureHelp: { dynamicRegistration: false, signatureInformation: { parameterInformation: { labelOffsetSupport: true }, activeParameterSupport: true } },
    references: { dynamicRegistration: false },
    definition: { dynamicRegistration: false, linkSupport: true },
    declaration: { dynamicRegistration: false, linkSupport: true },
    implementation: { dynamicRegistration: false, linkSupport: true },
    typeDefinition: { dynamicRegistration: false, linkSupport: true },
    documentSymbol: { dynamicRegistration: false, hierarchicalDocumentSymbolSupport: true, symbolKind: { valueSet: Array.from({ length: 26 }, (_, i) => (i + 1) as 1) } },
    documentHighlight: { dynamicRegistration: false },
    codeAction: {
      dynamicRegistration: false,
      codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'refactor', 'refactor.extract', 'refactor.inline', 'refactor.rewrite', 'source', 'source.organizeImports'] } },
      isPreferredSupport: true,
    },
    formatting: { dynamicRegistration: false },
    rangeFormatting: { dynamicRegistration: false },
    rename: { dynamicRegistration: false },
    publishDiagnostics: { relatedInformation: false, codeDescriptionSupport: false, tagSupport: { valueSet: [1, 2] } },
  },
  experimental: {},
};

const storage = mkdtempSync(path.join(tmpdir(), 'qed-eglot-'));
const clients: TestLanguageClient[] = [];
after(async () => {
  for (const client of clients) await client.stop();
  rmSync(storage, { recursive: true, force: true });
});

const LATEX = String.raw`\begin{theorem}\label{thm:sq}
For all $n \ge 1$, $n^2 \ge n$.
\end{theorem}
\begin{proof}
Let $n \ge 1$.

Then $n^2 - n = n(n-1)$.

Since $n - 1 \ge 0$, the product is nonnegative, so $n^2 \ge n$.
\end{proof}
\begin{lemma}\label{lem:one}
$1 \ge 1$.
\end{lemma}
`;
const URI = 'file:///work/eglot.tex';

/** What an eglot session saw: the server's requests and notifications, and the document as edits left it. */
interface Session {
  client: TestLanguageClient;
  initializeResult: InitializeResult;
  registered: string[];
  configurationAsked: number;
  messages: string[];
  logs: string[];
  statuses: ModelStatus[];
  edits: { label: string | undefined; changes: TextDocumentEdit[] }[];
  progress: string[];
  /** The client's copy of each open document, edited as the server asks. */
  documents: Map<string, TextDocument>;
}

async function eglot(options: { qedNano?: object; capabilities?: ClientCapabilities; scripts?: string[]; env?: Record<string, string>; clientCommands?: string[] } = {}): Promise<Session> {
  const qedNano = { model: tinyModelPath('natural'), threads: 1, contextSize: 4096, gpu: 'off', generation: { maxTokens: 1500 }, critique: { trigger: 'manual', thinkingBudget: 1000 }, ...options.qedNano };
  const { client, initializeResult } = await TestLanguageClient.start(
    { storagePath: storage, qedNano, ...(options.clientCommands ? { clientCommands: options.clientCommands } : {}) },
    options.capabilities ?? EGLOT_1_9_CAPABILITIES,
    { ...process.env, ...(options.scripts ? { QED_NANO_TEST_SCRIPT: JSON.stringify(options.scripts) } : {}), ...options.env },
    [],
    'file:///work',
  );
  clients.push(client);
  const session: Session = { client, initializeResult, registered: [], configurationAsked: 0, messages: [], logs: [], statuses: [], edits: [], progress: [], documents: new Map() };
  client.connection.onRequest(RegistrationRequest.type, (params) => void session.registered.push(...params.registrations.map((r) => r.method)));
  // eglot without `eglot-workspace-configuration`: a null for every item asked.
  client.connection.onRequest(ConfigurationRequest.type, (params) => {
    session.configurationAsked++;
    return params.items.map(() => null);
  });
  client.connection.onNotification(ShowMessageNotification.type, (params) => void session.messages.push(params.message));
  client.connection.onNotification(LogMessageNotification.type, (params) => void session.logs.push(params.message));
  client.connection.onNotification(StatusNotification, (status) => void session.statuses.push(status));
  client.connection.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
  client.connection.onNotification('$/progress', (params: { value: { kind: string; title?: string } }) => void session.progress.push(params.value.kind + (params.value.title ? `:${params.value.title}` : '')));
  client.connection.onRequest(ApplyWorkspaceEditRequest.type, async (params) => {
    const changes = (params.edit.documentChanges ?? []) as TextDocumentEdit[];
    session.edits.push({ label: params.label, changes });
    for (const change of changes) {
      const before = session.documents.get(change.textDocument.uri);
      if (!before || before.version !== change.textDocument.version) return { applied: false, failureReason: 'the document changed' };
      const text = TextDocument.applyEdits(before, change.edits as TextEdit[]);
      session.documents.set(change.textDocument.uri, TextDocument.create(before.uri, before.languageId, before.version + 1, text));
      await client.change(before.uri, before.version + 1, [{ text }]);
    }
    return { applied: true };
  });
  // What eglot does right after connecting (eglot-connect-hook: eglot-signal-didChangeConfiguration).
  await client.configure({});
  return session;
}

async function open(session: Session, uri: string, text: string, languageId = 'latex'): Promise<void> {
  session.documents.set(uri, TextDocument.create(uri, languageId, 1, text));
  await session.client.open(uri, languageId, text);
}

async function until<T>(what: string, found: () => T | undefined, attempts = 400): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = found();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never happened: ${what}`);
}

test('32.1: the settings given in initializationOptions stay when eglot sends empty settings and answers the configuration with [null]', async () => {
  const session = await eglot({ qedNano: { completion: { mode: 'manual' } } });
  await session.client.configure(null);
  // Asked after each didChangeConfiguration (the empty one at connection, then the null one), answered [null].
  await until('the server asked for its configuration twice', () => session.configurationAsked >= 2);
  const info = await session.client.connection.sendRequest(SetupInfoRequest);
  assert.equal(info.settings.model, tinyModelPath('natural'), 'the model from initializationOptions, not the default hf: model');
  assert.equal(info.settings.completion.mode, 'manual');
  assert.equal(info.settings.contextSize, 4096);
});

test('32.3: no dynamic registration of didChangeConfiguration (eglot does not offer it); file watching, which it offers, is registered', async () => {
  const session = await eglot();
  await until('the watched files registered', () => session.registered.includes('workspace/didChangeWatchedFiles'));
  assert.deepEqual(session.registered, ['workspace/didChangeWatchedFiles']);
});

test('32.2: a settings change to an hf: model while the load on open runs never downloads it', async () => {
  const hub = new FakeHuggingFace([{ owner: 'lm-test', repo: 'QED-Nano-GGUF', tags: { Q4_K_M: 'qed-nano-q4.gguf' }, files: { 'qed-nano-q4.gguf': tinyModelBytes('natural') } }]);
  const endpoint = await hub.start();
  try {
    const session = await eglot({ env: { QED_NANO_HF_ENDPOINT: endpoint } });
    // The document opens (the load on open of the local file starts) and, in the same breath, the settings
    // name an hf: model, with real values this time (in VS Code: the user edits the setting during the first
    // load), so the change supersedes the load in flight.
    const configured = { model: 'hf:lm-test/QED-Nano-GGUF:Q4_K_M', threads: 1, contextSize: 4096, gpu: 'off' };
    session.client.connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => configured));
    await Promise.all([open(session, URI, LATEX), session.client.configure(null)]);
    // The background load of the new settings runs once the superseded one ended, and says why it stops.
    await until('the load on open gave up the hf: model', () => session.logs.some((line) => /hf:lm-test\/QED-Nano-GGUF:Q4_K_M is not downloaded yet: the load on open never downloads/.test(line)));
    assert.deepEqual(hub.requests.filter((r) => r.url.includes('/resolve/')), [], 'no byte of the model was asked for');
    assert.ok(!session.statuses.some((s) => s.state === 'downloading'), JSON.stringify(session.statuses.map((s) => s.state)));
    // Asked for, it downloads (the user's explicit Load Model).
    assert.equal((await session.client.connection.sendRequest(LoadModelRequest)).state, 'ready');
    assert.ok(session.statuses.some((s) => s.state === 'downloading'));
  } finally {
    await hub.stop();
  }
});

const REVIEW = 'Step 3 needs the sign of both factors.\n</think>\n\nStep 3 asserts the product is nonnegative without saying why. \\boxed{0.5}';
const FINDINGS = '{"score":"0.5","findings":[{"step":3,"kind":"gap","explanation":"Why is n(n-1) nonnegative?"}]}';
const REFINED = 'Both factors.\n</think>\n\nSince $n \\ge 1$, both $n$ and $n - 1$ are nonnegative, so $n(n-1) \\ge 0$, that is $n^2 \\ge n$.';

async function critiqued(session: Session): Promise<Diagnostic> {
  await open(session, URI, LATEX);
  const result = await session.client.connection.sendRequest(ExecuteCommandRequest.type, { command: 'qedNano.server.critique', arguments: [URI, { line: 4, character: 0 }] });
  assert.deepEqual((result as { proofs: { score: number; findings: number }[] }).proofs.map((p) => [p.score, p.findings]), [[0.5, 1]]);
  assert.ok(session.messages.includes("QED-Nano's critique of Theorem: 0.5 (1 finding, shown as diagnostics)."), session.messages.join(' | '));
  const [finding] = (await session.client.diagnostics(URI, (p) => p.diagnostics.some((d) => d.source === 'QED-Nano'))).filter((d) => d.source === 'QED-Nano');
  return finding!;
}

test('32.4: without codeAction/resolve, Refine is the server\'s command, which applies its edit; every action does something', async () => {
  const session = await eglot({ scripts: [REVIEW, FINDINGS, REFINED] });
  const finding = await critiqued(session);
  const actions = (await session.client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri: URI }, range: finding.range, context: { diagnostics: [finding] } })) as CodeAction[];
  assert.deepEqual(
    actions.map((a) => [a.title, a.command?.command, a.isPreferred === true]),
    [
      ['Refine step 3 with QED-Nano', 'qedNano.server.refine', true],
      ['Refine the whole proof with QED-Nano', 'qedNano.server.refine', false],
      ['Dismiss this finding (until the step changes)', 'qedNano.server.dismissFinding', false],
    ],
  );
  assert.ok(actions.every((a) => a.edit !== undefined || a.command !== undefined), 'no action that does nothing');
  // eglot's default pick: the preferred action, its command sent back as eglot sends it.
  await session.client.connection.sendRequest(ExecuteCommandRequest.type, { command: actions[0]!.command!.command, arguments: actions[0]!.command!.arguments! });
  assert.equal(session.edits.length, 1);
  assert.equal(
    session.documents.get(URI)!.getText().split('\n')[8],
    'Since $n \\ge 1$, both $n$ and $n - 1$ are nonnegative, so $n(n-1) \\ge 0$, that is $n^2 \\ge n$.',
  );
});

test('32.4: a client that neither resolves actions nor applies edits is offered no refinement, only Dismiss (as a Command without literal support)', async () => {
  const capabilities: ClientCapabilities = { ...EGLOT_1_9_CAPABILITIES, workspace: { ...EGLOT_1_9_CAPABILITIES.workspace, applyEdit: false }, textDocument: { ...EGLOT_1_9_CAPABILITIES.textDocument, codeAction: {} } };
  const session = await eglot({ scripts: [REVIEW, FINDINGS], capabilities });
  const finding = await critiqued(session);
  const actions = (await session.client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri: URI }, range: finding.range, context: { diagnostics: [finding] } })) as Command[];
  assert.deepEqual(actions, [{ title: 'Dismiss this finding (until the step changes)', command: 'qedNano.server.dismissFinding', arguments: [URI, 'Since $n - 1 \\ge 0$, the product is nonnegative, so $n^2 \\ge n$.'] }]);
});

test('32.5: a .md file that arrives with languageId "latex" (one eglot entry for both modes) is read as Markdown', async () => {
  const session = await eglot();
  await open(session, 'file:///work/notes.md', '## Problem 1\nShow that $n^2 \\ge n$.\n\n**Proof.** Clear. ∎\n', 'latex');
  const symbols = await session.client.symbols('file:///work/notes.md');
  assert.deepEqual(
    symbols.map((s) => s.name),
    ['Problem 1'],
  );
});

const NEXT_STEP = ' $n^2 = n \\cdot n \\ge n$ because $n \\ge 1$. More follows.';
const PROOF = 'Check n=1.\n</think>\n\n**Proof.** Since $1 \\ge 1$, done. ∎';

test('32.6: textDocument/completion gives the next step as one item where the client has no inline completion; labels inside \\ref{ still', async () => {
  const session = await eglot({ scripts: [NEXT_STEP] });
  await open(session, URI, LATEX.replace('Let $n \\ge 1$.', 'Let $n \\ge 1$. Then'));
  await session.client.connection.sendRequest(LoadModelRequest);
  const list = (await session.client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position: { line: 4, character: 19 }, context: { triggerKind: 1 } })) as CompletionList;
  assert.deepEqual(list.items.map((i) => [i.label, i.filterText, i.textEdit]), [
    [
      'Then $n^2 = n \\cdot n \\ge n$ because $n \\ge 1$.',
      'Then $n^2 = n \\cdot n \\ge n$ because $n \\ge 1$.',
      { range: { start: { line: 4, character: 15 }, end: { line: 4, character: 19 } }, newText: 'Then $n^2 = n \\cdot n \\ge n$ because $n \\ge 1$.' },
    ],
  ]);
  // A trigger character asks for labels only; inside \ref{ the labels answer.
  const end = 'Then $n^2 - n = n(n-1)$.'.length;
  await session.client.change(URI, 2, [{ range: { start: { line: 6, character: end }, end: { line: 6, character: end } }, text: ' see \\ref{' }]);
  const position = { line: 6, character: end + ' see \\ref{'.length };
  const labels = (await session.client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position, context: { triggerKind: 2, triggerCharacter: '{' } })) as CompletionList;
  assert.deepEqual(labels.items.map((i) => i.label).sort(), ['lem:one', 'thm:sq']);
});

test('32.6: a client with inline completion (VS Code) gets no step among its completion items', async () => {
  const session = await eglot({ scripts: [NEXT_STEP], capabilities: { ...EGLOT_1_9_CAPABILITIES, textDocument: { ...EGLOT_1_9_CAPABILITIES.textDocument, inlineCompletion: {} } } });
  await open(session, URI, LATEX.replace('Let $n \\ge 1$.', 'Let $n \\ge 1$. Then'));
  await session.client.connection.sendRequest(LoadModelRequest);
  const list = await session.client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position: { line: 4, character: 19 }, context: { triggerKind: 1 } });
  assert.equal(list, null);
});

test('32.6: Prove and Suggest next step as server commands: inserted with workspace/applyEdit, the proof also in a message; lenses carry the server command', async () => {
  // README's recipe: `clientCommands: []` (the client runs no command of its own).
  const session = await eglot({ scripts: [PROOF, NEXT_STEP], clientCommands: [] });
  assert.ok(session.initializeResult.capabilities.executeCommandProvider?.commands.includes('qedNano.server.prove'));
  await open(session, URI, LATEX);
  const lenses = await session.client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: URI } });
  assert.deepEqual(lenses?.map((l) => [l.range.start.line, l.command?.command]).filter(([, command]) => command === 'qedNano.server.prove'), [[10, 'qedNano.server.prove']]);
  await session.client.connection.sendRequest(ExecuteCommandRequest.type, { command: 'qedNano.server.prove', arguments: [URI, { line: 11, character: 0 }] });
  assert.equal(session.edits[0]?.label, 'QED-Nano: insert the proof');
  assert.match(session.documents.get(URI)!.getText(), /\\end\{lemma\}\n\\begin\{proof\}\nSince \$1 \\ge 1\$, done\.\n\\end\{proof\}/);
  assert.ok(session.messages.some((m) => m.includes('**Proof.** Since $1 \\ge 1$, done. ∎')), session.messages.join(' | '));
  assert.deepEqual(session.progress, [], 'eglot 1.9 offers no work-done progress: none is sent');

  const end = { line: 4, character: 'Let $n \\ge 1$.'.length };
  const suggested = await session.client.connection.sendRequest(ExecuteCommandRequest.type, { command: 'qedNano.server.suggestNextStep', arguments: [URI, end] });
  assert.equal(suggested, ' $n^2 = n \\cdot n \\ge n$ because $n \\ge 1$.');
  assert.equal(session.documents.get(URI)!.getText().split('\n')[4], 'Let $n \\ge 1$. $n^2 = n \\cdot n \\ge n$ because $n \\ge 1$.');
});

test('32.6: with work-done progress offered (Neovim), Prove reports $/progress begin and end', async () => {
  const session = await eglot({ scripts: [PROOF], capabilities: { ...EGLOT_1_9_CAPABILITIES, window: { workDoneProgress: true } } });
  await open(session, URI, LATEX);
  await session.client.connection.sendRequest(ExecuteCommandRequest.type, { command: 'qedNano.server.prove', arguments: [URI, { line: 11, character: 0 }] });
  assert.ok(session.progress.includes('begin:QED-Nano: proving') && session.progress.at(-1) === 'end', session.progress.join(' '));
  assert.equal(session.edits.length, 1);
});

test('an executeCommand with wrong arguments is refused with InvalidParams', async () => {
  const session = await eglot();
  await assert.rejects(session.client.connection.sendRequest(ExecuteCommandRequest.type, { command: 'qedNano.server.prove', arguments: ['file:///work/x.tex'] }), (error: { code?: number }) => error.code === -32602);
});
