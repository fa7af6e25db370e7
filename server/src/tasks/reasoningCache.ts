/**
 * The reasoning cache (RC), QED-Nano's trained cycle for problems longer than one reply's budget, as its
 * evaluation runs it (eval/src/imobench/agents/reasoning_cache.py in github.com/CMU-AIRe/QED-Nano, Apache-2.0):
 * solve from the summary so far ("[No previous summary]" at first); summarise that attempt's thinking
 * together with the summary it started from; solve again from the new summary, in a fresh context; the last
 * attempt's answer is the result. The prompts are the trained ones (prompts/trained.ts).
 *
 * Continue after an attempt whose thinking ran out of budget is one step of the same cycle: its thinking is
 * summarised (with the summary it was solved from, if any), then the problem is solved once from it.
 *
 * What the product adds: a solve that ends without a proof (its thinking ran out, or Stop) does not erase an
 * earlier attempt's proof: the latest proof any attempt wrote is the result's, and which attempt wrote it is
 * said. The thinking given to a summary is its end, cut to what fits the context (the source sends it whole
 * to a server with a longer context).
 * Attempts' text streams to `onChunk`; each attempt's start and each summary go to `report`.
 */
import type { GenerationResult } from '../engine/types';
import { reasoningCacheSolveRequest, reasoningCacheSummaryRequest } from '../prompts/proofPrompt';
import { RC_NO_PREVIOUS_SUMMARY } from '../prompts/trained';
import type { GenerationProgress } from '../protocol';
import { CHARACTERS_PER_TOKEN, cutShort, IGNORE_CHUNKS, watchingPreemption, type ChunkSink, type Generate, type ReplyBudgets } from './generate';
import { RunTotals } from './runTotals';

export interface ReasoningCacheTask {
  problem: string;
  /** How many attempts to solve (the evaluation's `n_iterations`: 3). */
  attempts: number;
  /** Continue an earlier attempt: its thinking, and the summary it was solved from (none: it was the first). */
  from?: { thinking: string; summary?: string };
}

export interface ReasoningCacheOutcome {
  /** The last attempt's generation (its thinking, stop reason, whether its thought closed). */
  last: GenerationResult;
  /** The latest proof any attempt wrote ('' when none did), and which attempt (1-based; 0: none). */
  proof: string;
  proofAttempt: number;
  /** Attempts that ran (a stop or a pre-emption ends the cycle early). */
  attemptsRun: number;
  /** Every summary written, in order. */
  summaries: string[];
  /** The summary the last attempt was solved from: what a Continue of it summarises with. */
  summary: string;
  totals: RunTotals;
  preempted: boolean;
}

export async function runReasoningCache(
  task: ReasoningCacheTask,
  generate: Generate,
  budgets: ReplyBudgets & { contextSize: number },
  report: (progress: GenerationProgress) => void,
  onChunk: ChunkSink,
  signal: AbortSignal,
): Promise<ReasoningCacheOutcome> {
  const watched = watchingPreemption(generate);
  const totals = new RunTotals();
  const ask = { maxTokens: budgets.maxTokens, thinkingBudget: budgets.thinkingBudget, priority: 'interactive' as const };
  const call = async (request: Parameters<Generate>[0], sink: ChunkSink): Promise<GenerationResult> => {
    const result = await watched.generate(request, sink, signal);
    totals.add(result);
    return result;
  };

  const summaries: string[] = [];
  let summary = task.from?.summary ?? RC_NO_PREVIOUS_SUMMARY;
  let proof = '';
  let proofAttempt = 0;
  let attemptsRun = 0;
  let last: GenerationResult | undefined;

  const summarise = async (reasoning: string): Promise<GenerationResult | undefined> => {
    report({ kind: 'phase', text: `Summarising ${attemptsRun === 0 ? 'the previous attempt' : `attempt ${attemptsRun}`}` });
    const result = await call({ ...ask, messages: [reasoningCacheSummaryRequest(task.problem, summary, tail(reasoning, budgets.contextSize))] }, IGNORE_CHUNKS);
    if (cutShort(result)) return result;
    // A summary that never left its thinking is still the best account of the attempt.
    summary = result.answer || result.thinking;
    summaries.push(summary);
    report({ kind: 'summary', text: summary });
    return undefined;
  };

  if (task.from) {
    const stop = await summarise(task.from.thinking);
    if (stop) return { last: stop, proof, proofAttempt, attemptsRun, summaries, summary, totals, preempted: watched.preempted() };
  }
  for (let attempt = 1; attempt <= task.attempts; attempt++) {
    report({ kind: 'attempt', attempt, of: task.attempts, proofSoFar: proof });
    report({ kind: 'phase', text: summaries.length === 0 ? `Attempt ${attempt} of ${task.attempts}: solving` : `Attempt ${attempt} of ${task.attempts}: solving from the summary` });
    // A later attempt reuses the summary's notation and steps: the engine predicts from it.
    last = await call({ ...ask, messages: [reasoningCacheSolveRequest(task.problem, summary)], ...(summaries.length > 0 ? { repeats: summary } : {}) }, onChunk);
    attemptsRun = attempt;
    if (last.thoughtClosed && last.answer.trim()) {
      proof = last.answer;
      proofAttempt = attempt;
    }
    if (cutShort(last) || attempt === task.attempts) break;
    const stop = await summarise(last.thinking);
    if (stop) break;
  }
  return { last: last!, proof, proofAttempt, attemptsRun, summaries, summary, totals, preempted: watched.preempted() };
}

/** The end of a long thinking trace that fits a summary prompt (at most 60% of the context). */
function tail(thinking: string, contextSize: number): string {
  const room = Math.floor(contextSize * 0.6 * CHARACTERS_PER_TOKEN);
  return thinking.length <= room ? thinking : `…${thinking.slice(thinking.length - room)}`;
}
