/**
 * Deep mode: the generate -> verify -> refine scaffold QED-Nano's evaluation runs (its `deepseek_math` agent,
 * eval/src/imobench/agents/deepseek_math.py in github.com/CMU-AIRe/QED-Nano, Apache-2.0), with its prompts
 * (prompts/deepPrompts.ts) and its selection rules:
 *  1. a pool of `poolSize` candidates from the generator's prompt, written side by side (separate sequences);
 *     each candidate's proof is its answer without the self-evaluation (`solutionOf`);
 *  2. each new proof verified `verifications` times, each verification's score its first \boxed{0 | 0.5 | 1};
 *  3. up to `rounds` refinement rounds: stop as soon as some proof's mean is 1; otherwise the `poolSize` proofs
 *     with the highest means (of every round so far) are each refined from their two lowest-scoring
 *     verifications, and the refinements verified;
 *  4. the proof with the highest mean wins (the first of equals).
 * The product's additions: a candidate whose thinking ran out has no proof and scores 0 without being
 * verified or refined (the source would verify a placeholder text); past `tokenBudget`, or on Stop, the best
 * so far is returned.
 */
import type { ChatMessage } from '../engine/types';
import type { GenerationResult } from '../engine/types';
import { generationRequest, refinementRequest, scoreOf, solutionOf, verificationRequest } from '../prompts/deepPrompts';
import type { CandidateSummary, DeepReport, GenerationProgress, QedNanoSettings } from '../protocol';
import { IGNORE_CHUNKS, watchingPreemption, type Generate, type ReplyBudgets } from './generate';
import { RunTotals } from './runTotals';

/** The evaluation's `verifications_per_refinement`: a refinement answers its proof's two weakest reviews. */
const VERIFICATIONS_PER_REFINEMENT = 2;

interface Candidate {
  id: number;
  round: number;
  refines?: number;
  proof: string;
  thinking: string;
  verifications: { score: number; analysis: string }[];
}

export interface DeepOutcome {
  best: Candidate | undefined;
  report: DeepReport;
}

export class DeepRun {
  private readonly candidates: Candidate[] = [];
  /** Totals over every call, for the result's statistics and the token budget. */
  readonly totals = new RunTotals();
  private readonly generate: Generate;
  /** Whether the model was unloaded under one of the calls (its settings changed): the run stops there. */
  readonly preempted: () => boolean;

  constructor(
    private readonly problem: string,
    generate: Generate,
    private readonly settings: QedNanoSettings['deep'],
    private readonly budgets: ReplyBudgets,
    private readonly report: (progress: GenerationProgress) => void,
    private readonly signal: AbortSignal,
  ) {
    ({ generate: this.generate, preempted: this.preempted } = watchingPreemption(generate));
  }

  private cancelled(): boolean {
    return this.signal.aborted || this.preempted();
  }

  async run(): Promise<DeepOutcome> {
    const { poolSize, verifications, rounds } = this.settings;
    this.report({ kind: 'phase', text: `Round 1: writing ${poolSize} candidate proofs` });
    let fresh = await this.write(Array.from({ length: poolSize }, () => ({ messages: [generationRequest(this.problem)], round: 1 })));
    let round = 1;
    let stoppedBecause: DeepReport['stoppedBecause'] = 'roundsDone';
    for (;;) {
      if (this.stopping()) {
        stoppedBecause = 'tokenBudget';
        break;
      }
      this.report({ kind: 'phase', text: `Round ${round}: verifying ${fresh.length} proofs, ${verifications} times each` });
      await this.verify(fresh);
      this.report({ kind: 'candidates', candidates: this.summaries(), best: this.bestProof() });
      if (this.best() && mean(this.best()!) === 1) {
        stoppedBecause = 'perfectScore';
        break;
      }
      if (round > rounds) break;
      if (this.stopping()) {
        stoppedBecause = 'tokenBudget';
        break;
      }
      round++;
      const top = [...this.candidates].filter((c) => c.proof).sort((a, b) => mean(b) - mean(a)).slice(0, poolSize);
      this.report({ kind: 'phase', text: `Round ${round}: refining the best ${top.length} proofs from their weakest reviews` });
      fresh = await this.write(
        top.map((candidate) => ({
          messages: [refinementRequest(this.problem, candidate.proof, weakest(candidate, VERIFICATIONS_PER_REFINEMENT))],
          // A refinement rewrites the proof and mostly repeats it: the engine predicts from it.
          repeats: candidate.proof,
          round,
          refines: candidate.id,
        })),
      );
    }
    if (this.cancelled()) stoppedBecause = 'tokenBudget';
    const best = this.best();
    return {
      best,
      report: {
        rounds: round,
        candidates: this.summaries(),
        chosen: best?.id ?? -1,
        objections: best ? best.verifications.filter((v) => v.score < 1).map((v) => v.analysis) : [],
        tokensUsed: this.totals.all,
        stoppedBecause,
      },
    };
  }

  private stopping(): boolean {
    return this.cancelled() || this.totals.all >= this.settings.tokenBudget;
  }

  private async write(jobs: { messages: ChatMessage[]; repeats?: string; round: number; refines?: number }[]): Promise<Candidate[]> {
    const results = await Promise.all(jobs.map((job) => this.call(job.messages, job.repeats)));
    return results.map((result, i) => {
      const candidate: Candidate = {
        id: this.candidates.length + 1,
        round: jobs[i]!.round,
        ...(jobs[i]!.refines !== undefined ? { refines: jobs[i]!.refines } : {}),
        // An unfinished thought is no proof: such a candidate scores 0 without being verified.
        proof: result.thoughtClosed ? solutionOf(result.answer) : '',
        thinking: result.thinking,
        verifications: [],
      };
      this.candidates.push(candidate);
      return candidate;
    });
  }

  private async verify(candidates: Candidate[]): Promise<void> {
    const checks = candidates.flatMap((candidate) =>
      candidate.proof ? Array.from({ length: this.settings.verifications }, () => ({ candidate })) : [],
    );
    const results = await Promise.all(checks.map(({ candidate }) => this.call([verificationRequest(this.problem, candidate.proof)])));
    results.forEach((result, i) => {
      const analysis = result.answer || result.thinking;
      checks[i]!.candidate.verifications.push({ score: scoreOf(result.answer), analysis });
    });
  }

  private async call(messages: ChatMessage[], repeats?: string): Promise<GenerationResult> {
    const result = await this.generate({ messages, ...this.budgets, priority: 'interactive', ...(repeats ? { repeats } : {}) }, IGNORE_CHUNKS, this.signal);
    this.totals.add(result);
    return result;
  }

  private best(): Candidate | undefined {
    let best: Candidate | undefined;
    for (const candidate of this.candidates) {
      if (candidate.proof && (!best || mean(candidate) > mean(best))) best = candidate;
    }
    return best;
  }

  private bestProof(): { id: number; proof: string } | undefined {
    const best = this.best();
    return best && { id: best.id, proof: best.proof };
  }

  private summaries(): CandidateSummary[] {
    return this.candidates.map((c) => ({
      id: c.id,
      round: c.round,
      ...(c.refines !== undefined ? { refines: c.refines } : {}),
      scores: c.verifications.map((v) => v.score),
      mean: mean(c),
    }));
  }
}

function mean(candidate: Candidate): number {
  const { verifications } = candidate;
  return verifications.length === 0 ? 0 : verifications.reduce((sum, v) => sum + v.score, 0) / verifications.length;
}

/** The analyses of the `count` lowest-scoring verifications. */
function weakest(candidate: Candidate, count: number): string[] {
  return [...candidate.verifications].sort((a, b) => a.score - b.score).slice(0, count).map((v) => v.analysis);
}
