/**
 * `qed/prove` (see protocol.ts): the statement at a position or in a selection, proved by the model, with
 * thinking and proof streamed as they come.
 */
import { LSPErrorCodes, ResponseError, type CancellationToken, type ResultProgressReporter } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ProofDocumentAnalysis } from '../documents/model';
import { continuedProofRequest, proofRequest, summaryRequest, type ChatMessage } from '../engine/prompt';
import { parseScripts, scriptedBias, ScriptSequence } from '../engine/scriptedOutput';
import type { GenerationChunk } from '../engine/types';
import type { ModelManager } from '../model/modelManager';
import { clean, proofProblem, statementAt } from '../prompts/proofPrompt';
import { DeepRun } from './deepProve';
import { proofInsertion } from './proofInsertion';
import { cancellationSignal, throwIfCancelled, toResponseError, untilCancelled } from './requests';
import type { ProveParams, ProveProgress, ProveResult, QedNanoSettings } from '../protocol';

/** Scripted replies (tests only: set by QED_NANO_TEST_SCRIPT in the server's environment). */
const scripts = process.env.QED_NANO_TEST_SCRIPT ? new ScriptSequence(parseScripts(process.env.QED_NANO_TEST_SCRIPT)) : undefined;

/** About 3.5 characters per token: the end of a long thinking trace that fits a summary prompt. */
function tail(thinking: string, contextSize: number): string {
  const room = Math.floor(contextSize * 0.6 * 3.5);
  return thinking.length <= room ? thinking : `…${thinking.slice(thinking.length - room)}`;
}

/** The document as it is now (it may change while the model writes), with its analysis. */
export type CurrentDocument = () => { document: TextDocument; analysis: ProofDocumentAnalysis } | undefined;

export async function prove(
  params: ProveParams,
  current: CurrentDocument,
  settings: QedNanoSettings,
  models: ModelManager,
  token: CancellationToken,
  stream: ResultProgressReporter<ProveProgress> | undefined,
): Promise<ProveResult> {
  const now = current();
  if (!now) throw new ResponseError(LSPErrorCodes.RequestFailed, `${params.textDocument.uri} is not an open LaTeX or Markdown document.`);
  const { document, analysis } = now;
  const selection = params.range && document.offsetAt(params.range.start) < document.offsetAt(params.range.end) ? params.range : undefined;
  const found = selection ? undefined : params.position && statementAt(analysis, params.position);
  const statementText = selection ? clean(document.getText(selection)) : found ? clean(document.getText(found.bodyRange)) : '';
  if (!statementText) {
    throw new ResponseError(LSPErrorCodes.RequestFailed, 'Put the cursor in a theorem, lemma or problem, or select the statement to prove.');
  }
  const before = selection?.start ?? found!.range.start;
  const problem = proofProblem(analysis, statementText, before, (range) => document.getText(range));

  const cancelled = cancellationSignal(token);
  throwIfCancelled(cancelled, 'The proof was cancelled.');
  const batcher = stream && new ProgressBatcher((value) => stream.report(value));
  batcher?.push({ kind: 'started', statement: statementText, macros: Object.fromEntries(analysis.macros.map((m) => [`\\${m.name}`, m.body])) });
  try {
    const engine = await untilCancelled(models.ready(), cancelled, 'The proof was cancelled.');
    const generation = settings.generation;
    /** Set when the model was unloaded under a generation (its settings changed): the work stops there. */
    let preempted = false;
    const generate = async (messages: ChatMessage[], onChunk: (chunk: GenerationChunk) => void) => {
      const script = scripts?.take();
      const result = await models.generate(
        {
          messages,
          maxTokens: generation.maxTokens,
          thinkingBudget: generation.thinkingBudget,
          sampling: script === undefined ? { temperature: generation.temperature, topP: generation.topP } : { temperature: 0 },
          priority: 'interactive',
          ...(script === undefined ? {} : { tokenBias: scriptedBias(engine.tokenize([{ special: true, text: script }])) }),
        },
        onChunk,
        cancelled,
      );
      if (result.stopReason === 'preempted') preempted = true;
      return result;
    };
    if (params.mode === 'deep') {
      const started = performance.now();
      const deep = new DeepRun(problem, (messages) => generate(messages, () => {}), settings.deep, (progress) => batcher?.push(progress), () => cancelled.aborted || preempted);
      const outcome = await deep.run();
      batcher?.flush();
      throwIfCancelled(cancelled, 'The proof was cancelled; the best proof so far stays in the panel.');
      const proof = outcome.best?.proof ?? '';
      const ms = Math.round(performance.now() - started);
      const generated = deep.totals.thinkingTokens + deep.totals.answerTokens;
      const insertion = proof ? insertionNow(current, statementText, proof) : undefined;
      return {
        ...(insertion ? { insertion } : {}),
        statement: statementText,
        proof,
        thinking: outcome.best?.thinking ?? '',
        thoughtClosed: proof !== '',
        stopReason: preempted ? 'preempted' : 'endOfText',
        deep: outcome.report,
        stats: { promptTokens: deep.totals.promptTokens, thinkingTokens: deep.totals.thinkingTokens, proofTokens: deep.totals.answerTokens, ms, tokensPerSecond: ms > 0 ? (generated * 1000) / ms : 0 },
      };
    }
    let messages = [proofRequest(problem)];
    if (params.continueFrom) {
      batcher?.push({ kind: 'phase', text: 'Summarising the previous attempt' });
      const summary = await generate([summaryRequest(problem, tail(params.continueFrom.thinking, settings.contextSize))], () => {});
      throwIfCancelled(cancelled, 'The proof was cancelled.');
      // A summary that never left its thinking is still the best account of the attempt.
      const text = summary.answer || summary.thinking;
      batcher?.push({ kind: 'phase', text: 'Solving again from the summary' });
      batcher?.push({ kind: 'thinking', text: `Summary of the previous attempt:\n${text}\n\n` });
      messages = [continuedProofRequest(problem, text)];
    }
    const result = await generate(messages, (chunk) => batcher?.push(toProgress(chunk)));
    batcher?.flush();
    throwIfCancelled(cancelled, 'The proof was cancelled.');
    const insertion = result.answer ? insertionNow(current, statementText, result.answer) : undefined;
    return {
      ...(insertion ? { insertion } : {}),
      statement: statementText,
      proof: result.answer,
      thinking: result.thinking,
      thoughtClosed: result.thoughtClosed,
      stopReason: result.stopReason,
      stats: {
        promptTokens: result.stats.promptTokens,
        thinkingTokens: result.stats.thinkingTokens,
        proofTokens: result.stats.answerTokens,
        ms: result.stats.ms,
        tokensPerSecond: result.stats.tokensPerSecond,
      },
    };
  } catch (error) {
    throw toResponseError(error);
  }
}

/** The insertion edit against the document as it is now, after the statement that was proved. */
export function insertionNow(current: CurrentDocument, statementText: string, proof: string): ProveResult['insertion'] {
  const now = current();
  if (!now) return undefined;
  const statement = now.analysis.statements.find((s) => clean(now.document.getText(s.bodyRange)) === statementText);
  if (!statement) return undefined;
  const edit = proofInsertion(now.document, now.analysis, statement, proof);
  return { version: now.document.version, range: edit.range, newText: edit.newText };
}

function toProgress(chunk: GenerationChunk): ProveProgress {
  if (chunk.kind === 'answerRetracted') return { kind: 'proofRetracted', movedToThinking: chunk.movedToThinking };
  return { kind: chunk.kind === 'answer' ? 'proof' : 'thinking', text: chunk.text };
}

/**
 * Coalesces streamed chunks into one `$/progress` message per interval (16 ms, a display frame): at
 * hundreds of tokens per second a message per token costs more than the tokens. Chunks go out at once until
 * the first text has, so the time to the first visible token does not change.
 */
class ProgressBatcher {
  private pending: ProveProgress[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Whether thinking or proof text went out yet: until then every chunk is sent at once. */
  private sentText = false;

  constructor(
    private readonly send: (value: ProveProgress) => void,
    private readonly intervalMs = 16,
  ) {}

  push(value: ProveProgress): void {
    const last = this.pending[this.pending.length - 1];
    if (last && (last.kind === 'thinking' || last.kind === 'proof') && last.kind === value.kind) last.text += value.text;
    else this.pending.push({ ...value });
    if (!this.sentText) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const value of this.pending.splice(0)) {
      this.send(value);
      if (value.kind === 'thinking' || value.kind === 'proof') this.sentText = true;
    }
  }
}
