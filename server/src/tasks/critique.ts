/**
 * The critique task: QED-Nano judges a proof step by step and names the steps that do not follow.
 *  - `full` depth: the review (the verification prompt, thinking open under the critique's thinking
 *    budget), then, in the same conversation (its cached tokens reused), a short turn with thinking closed
 *    that reads the findings out as JSON under a schema.
 *  - `quick` depth (slow CPUs): no free review; the JSON is asked for at once.
 * The JSON is checked whole before anything is used: a reply that does not parse, or breaks the schema,
 * is a failed critique (CritiqueUnreadableError), never a half-applied one. A finding that names a step
 * the proof does not have is dropped. Critiques run at background priority: anything interactive pre-empts
 * them (they then end `preempted`, to be run again).
 */
import { findingsRequest, findingsSchema, FINDING_KINDS, MAX_EXPLANATION_LENGTH, quickCritiqueRequest, reviewRequest, type FindingKind } from '../prompts/critiquePrompts';
import type { GenerationResult } from '../engine/types';
import { TaskError } from './errors';
import { cutShort, IGNORE_CHUNKS, type Generate } from './generate';

export interface CritiqueTask {
  /** The statement, as the proof task gets it (with the document's macros and earlier results). */
  problem: string;
  /** The proof's steps, in order (findings name them 1-based). */
  steps: readonly string[];
}

export interface CritiqueSettings {
  depth: 'full' | 'quick';
  /** Most tokens of the review's thinking. */
  thinkingBudget: number;
  /** Most tokens of the review in all. */
  maxTokens: number;
}

export interface Finding {
  /** 1-based, within the proof's steps. */
  step: number;
  kind: FindingKind;
  explanation: string;
}

export interface Critique {
  score: 0 | 0.5 | 1;
  findings: Finding[];
  /** The model's review in words (empty at quick depth). */
  review: string;
  /** Tokens of the prompts, and how many of them had to be evaluated (the rest came from the cache). */
  promptTokens: number;
  evaluatedPromptTokens: number;
}

/** The model's answer could not be read as a critique; the message says so in words. */
export class CritiqueUnreadableError extends TaskError {
  constructor(detail: string) {
    super(`QED-Nano's critique could not be read (${detail}); nothing was changed. Critique again, or use a deeper setting (qedNano.critique.depth).`);
  }
}

/** Tokens the JSON read-out may take: 40 findings of a paragraph each fit. */
const READ_OUT_TOKENS = 6000;

/** The critique, or the stop reason when it was cancelled or pre-empted before it finished. */
export async function critiqueProof(task: CritiqueTask, generate: Generate, settings: CritiqueSettings, signal: AbortSignal): Promise<Critique | 'cancelled' | 'preempted'> {
  const calls: GenerationResult[] = [];
  const call = async (request: Parameters<Generate>[0]): Promise<GenerationResult | undefined> => {
    const result = await generate({ ...request, priority: 'background' }, IGNORE_CHUNKS, signal);
    calls.push(result);
    return cutShort(result) ? undefined : result;
  };
  const stopped = (): 'cancelled' | 'preempted' => (calls.some((c) => c.stopReason === 'preempted') ? 'preempted' : 'cancelled');

  let readOut: GenerationResult | undefined;
  let review = '';
  if (settings.depth === 'quick') {
    readOut = await call({ messages: [quickCritiqueRequest(task.problem, task.steps)], maxTokens: READ_OUT_TOKENS, jsonSchema: findingsSchema(), sampling: { temperature: 0 } });
    if (!readOut) return stopped();
  } else {
    const question = reviewRequest(task.problem, task.steps);
    const reviewed = await call({ messages: [question], maxTokens: settings.maxTokens, thinkingBudget: settings.thinkingBudget });
    if (!reviewed) return stopped();
    // A review that ran out of thinking still carries its analysis in the thinking.
    review = reviewed.answer || reviewed.thinking;
    readOut = await call({
      messages: [question, { role: 'assistant', content: review }, findingsRequest(task.steps.length)],
      maxTokens: READ_OUT_TOKENS,
      jsonSchema: findingsSchema(),
      sampling: { temperature: 0 },
    });
    if (!readOut) return stopped();
  }
  const { score, findings } = readFindings(readOut.answer, task.steps.length);
  return {
    score,
    findings,
    review,
    promptTokens: calls.reduce((sum, c) => sum + c.stats.promptTokens, 0),
    evaluatedPromptTokens: calls.reduce((sum, c) => sum + c.stats.evaluatedPromptTokens, 0),
  };
}

/** Reads the JSON read-out; throws CritiqueUnreadableError unless all of it is as the schema says. */
export function readFindings(json: string, stepCount: number): { score: Critique['score']; findings: Finding[] } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new CritiqueUnreadableError(json.trim() === '' ? 'the model wrote no answer' : 'its answer is not complete JSON');
  }
  const { score, findings } = (value ?? {}) as { score?: unknown; findings?: unknown };
  if (score !== '0' && score !== '0.5' && score !== '1') throw new CritiqueUnreadableError('it gives no score of 0, 0.5 or 1');
  if (!Array.isArray(findings)) throw new CritiqueUnreadableError('it has no list of findings');
  const read: Finding[] = [];
  for (const item of findings as unknown[]) {
    const { step, kind, explanation } = (item ?? {}) as { step?: unknown; kind?: unknown; explanation?: unknown };
    if (typeof step !== 'number' || !Number.isInteger(step)) throw new CritiqueUnreadableError('a finding names no step number');
    if (typeof kind !== 'string' || !(FINDING_KINDS as readonly string[]).includes(kind)) throw new CritiqueUnreadableError('a finding has no kind');
    if (typeof explanation !== 'string') throw new CritiqueUnreadableError('a finding has no explanation');
    if (step < 1 || step > stepCount) continue; // names a step the proof does not have: dropped, never misplaced
    read.push({ step, kind: kind as FindingKind, explanation: explanation.trim().slice(0, MAX_EXPLANATION_LENGTH) });
  }
  return { score: Number(score) as Critique['score'], findings: read };
}
