/**
 * N-gram lookup prediction for node-llama-cpp's speculative evaluation (a sequence's `tokenPredictor`),
 * for every generation: the model's own words predict its next ones. Everything the sequence holds is
 * indexed as it arrives (the prompt: problem, document, earlier turns; and what is generated, the thinking
 * included), keyed by its last n tokens (n = 4, 3, 2: the longest that matches wins); the continuation of
 * the most recent earlier occurrence of the reply's last n tokens is the candidate, followed for as long as
 * the model's tokens agree with it. A text the reply is known to rewrite (GenerationRequest.repeats: a
 * refinement, a Continue) is a source of its own, looked in first, and in order: after a passage the reply
 * changed, from where the reply left the text.
 *
 * The model's sample at each predicted position confirms the prediction or not (node-llama-cpp as patched
 * at install validates every predicted token, docs/upstream-speculative-validation.md), so what is
 * generated never changes; a wrong prediction costs its evaluation only.
 *
 * How much to predict: each predicted token is a bet. An evaluation that carries k predicted tokens costs
 * `single + perDraft + k * perToken` (the engine reports how long each evaluation took, `evaluationTimed`); the i-th
 * predicted token saves one evaluation when it and every one before it are confirmed. So the i-th token is
 * worth drafting when P(the first i confirmed) > perToken / single, the break-even share, and the draft is
 * as long as that holds (at most MAX_DRAFT).
 *  - P comes from what the model actually did, observed on every token whether it was drafted or not: the
 *    candidate's next token is compared with the token the model produced, free (a "shadow" prediction). The
 *    odds of agreeing are kept per source (the rewritten text, the context) and per run length (how many
 *    tokens in a row the reply has followed the candidate: 0, 1, 2, 3, 4–7, 8–15, 16+), from a prior and
 *    the generation's own evidence. A fresh match in ordinary prose (a common three-token phrase) is seldom followed,
 *    so it is watched, not drafted; a reply that has followed its thinking for a few tokens (a proof that
 *    restates it, a critique quoting a step) gets drafts that grow with the run; after a miss the run starts
 *    again. A reply that repeats nothing drafts next to nothing, and only where the odds said it would pay.
 *    A draft also has a cost of its own whatever its length (perDraft): the tokens it is expected to save
 *    must repay that as well, or nothing is drafted.
 *  - The break-even share is measured, not fixed: a memory-bound model (the weights read once for the whole
 *    batch: a wide model on a CPU, any model on a GPU) has a small share and drafts on weaker odds; a
 *    compute-bound one (the tiny model, where each position costs as much as an evaluation) needs near
 *    certainty. BREAK_EVEN stands in until both costs have been measured on the sequence, and a single
 *    predicted token is drafted now and then (REMEASURE_AFTER) so that a share measured on a busy moment
 *    cannot stop prediction for good.
 *  - Cost: O(1) per token (three hash-map writes, and a lookup of at most three map reads and 9 token
 *    comparisons where no candidate is being followed, and in the rewritten text a binary search of the
 *    n-gram's later occurrences); the indexes hold at most one entry per n-gram position held, rebuilt from
 *    the kept tokens when a generation replaces the end of the sequence.
 *
 * With a draft model (qedNano.draftModel) the lookup comes first where it drafts and the draft model's
 * prediction (node-llama-cpp's DraftSequenceTokenPredictor, kept in step with the sequence) is used
 * otherwise, as llama.cpp combines them. Its draft is as long as pays at its accuracy in this generation
 * (every token it proposes is checked against the reply's, handed out or not) where each of its tokens also
 * costs the time the target waits for it (measured); that length is set before the draft model drafts
 * (draftLength.ts), so that it drafts exactly what the target will check and then lets the target have the
 * cores. Where not even its first token pays, or below DRAFT_BREAK_EVEN over a window, it is turned off for
 * the rest of the generation.
 *
 * Why not node-llama-cpp's InputLookupTokenPredictor: it searches only the prompt (not what the model
 * generates, where a proof restates its thinking) and rescans the whole text whenever its match breaks.
 * This implements the library's TokenPredictor contract without extending its class, which lives in the
 * library's ESM module that the engine loads only with the first model.
 */
import type { Token, TokenPredictor } from 'node-llama-cpp' with { 'resolution-mode': 'import' };

/** N-gram sizes tried, longest first. The held context is looked up from MIN_CONTEXT_N: two tokens of
 * ordinary text recur too often to predict what follows. */
const NGRAM_SIZES = [4, 3, 2] as const;
const MIN_CONTEXT_N = 3;
/** Tokens the reply must follow the rewritten text in a row before that place counts as where the reply is in
 * it: a common phrase followed for a few tokens in a changed passage must not move it. */
const TRUSTED_RUN = 8;
export const MAX_DRAFT = 16;
/** A draft model's acceptance window: at least this many drafts and drafted tokens (one long draft that
 * misses early is no verdict). */
const WINDOW_DRAFTS = 4;
const WINDOW_TOKENS = 16;
/** The share that must be confirmed before the costs are measured: on a CPU an extra token in an
 * evaluation of a memory-bound model costs a fraction of a single-token evaluation. */
export const BREAK_EVEN = 0.25;
/** The measured share never goes below this (odds that low are no gain whatever the costs say, and the
 * measurement is noisy on a loaded machine). */
export const MIN_BREAK_EVEN = 0.05;
/** Timings kept for each cost (the most recent): medians and a median-based fit, since a loaded machine's
 * stalls, which fall on any evaluation whatever its length, move a median little and a mean a lot. */
const COST_SAMPLES = 31;
const DRAFT_COST_SAMPLES = 63;
/** Draft timings needed before their fit stands for the cost: from three, one stall on a draft of five made a
 * predicted token look dearer than a whole evaluation and turned a draft right 9 times in 10 off. */
const MIN_FIT_SAMPLES = 8;
/** Evaluations without a timed draft after which one predicted token is drafted to measure its cost again. */
const REMEASURE_AFTER = 256;
/** Evaluations that all carried a draft model's draft after which one goes without, to measure what an
 * evaluation costs alone (its speed "without" in Setup Information, and the break-even share): a draft model
 * right most of the time leaves no evaluation without a draft. About 1% of the drafted tokens at 64. */
const SINGLE_REMEASURE_AFTER = 64;
/** A draft model's token costs its own evaluation on top of the target's share: it must be right more
 * often than a looked-up one to pay. */
export const DRAFT_BREAK_EVEN = 0.4;

/** A draft model's predictor, and how to bound its next drafting run: the target waits for that many tokens
 * and the draft drafts no further (draftLength.ts). */
export interface DraftModelPredictor {
  readonly predictor: TokenPredictor;
  setLength(tokens: number): void;
}

/** Where a candidate comes from: the text the reply rewrites, or the context the sequence holds. */
type Source = 'rewritten' | 'context';
/** Run lengths bucketed: 0, 1, 2, 3, 4–7, 8–15, 16+ tokens followed in a row. */
function runBucket(run: number): number {
  return run < 4 ? run : run < 8 ? 4 : run < 16 ? 5 : 6;
}
/** The odds of agreeing before any evidence, per run bucket: a rewritten text is mostly kept; a context
 * match is often a common phrase at first, and a quotation once followed for a few tokens. */
const PRIOR_ODDS: Record<Source, readonly number[]> = {
  rewritten: [0.5, 0.7, 0.8, 0.85, 0.9, 0.9, 0.95],
  context: [0.2, 0.4, 0.55, 0.65, 0.7, 0.8, 0.85],
};
/** A draft model's token is right this often before any evidence (a Qwen3-0.6B drafting for a 4B model of the
 * same family agrees on most tokens of ordinary prose). */
const DRAFT_MODEL_PRIOR = [0.7] as const;
/** The prior counts as this many observations. */
const PRIOR_WEIGHT = 4;
/** Observations kept per bucket: beyond this the old evidence is halved (the odds follow the reply). Each
 * generation starts again from the prior: a refinement's odds say nothing of the chat reply after it (carried
 * over, they kept a reply that repeats nothing drafting for hundreds of tokens). */
const MAX_OBSERVATIONS = 256;

/** How often the reply's next token agreed with a candidate's, per run bucket. */
class FollowOdds {
  private readonly agreed: number[];
  private readonly seen: number[];

  constructor(private readonly prior: readonly number[]) {
    this.agreed = prior.map(() => 0);
    this.seen = prior.map(() => 0);
  }

  record(run: number, agreed: boolean): void {
    const b = runBucket(run);
    this.agreed[b]! += agreed ? 1 : 0;
    this.seen[b]! += 1;
    if (this.seen[b]! > MAX_OBSERVATIONS) this.scale(b, MAX_OBSERVATIONS / 2);
  }

  /** The probability that the token at this run length agrees (the prior and the evidence). */
  odds(run: number): number {
    const b = runBucket(run);
    return (this.agreed[b]! + PRIOR_WEIGHT * this.prior[b]!) / (this.seen[b]! + PRIOR_WEIGHT);
  }

  private scale(b: number, to: number): void {
    this.agreed[b] = (this.agreed[b]! * to) / this.seen[b]!;
    this.seen[b] = to;
  }
}

type ResetState = Parameters<TokenPredictor['reset']>[0];

/** Counts since the predictor was made (one per source): `drafted` tokens were evaluated as predictions,
 * `accepted` were confirmed by the model, in `drafts` evaluations that carried a prediction. */
export interface LookupStats {
  drafts: number;
  drafted: number;
  accepted: number;
}

/** What an evaluation costs on a sequence, measured (ms, from recent timings; undefined until measured). An
 * evaluation that carries k predicted tokens costs `single + perDraft + k * perToken`. */
export interface EvaluationCost {
  /** An evaluation with no predicted token. */
  single: number | undefined;
  /** Each predicted token an evaluation carries. */
  perToken: number | undefined;
  /** Any draft at all, whatever its length (measured on the wide model on 2 cores: one predicted token cost
   * 6 ms more than none, two 9 ms: a linear cost alone made short drafts look cheap). */
  perDraft: number | undefined;
}

/** The cost of a draft of `k` tokens on top of a single evaluation, `perDraft + k * perToken`, fitted to
 * (k, extra ms) samples by Theil–Sen (the median of the slopes between samples of different lengths, then the
 * median intercept): a stall on one sample moves neither. With one draft length only, all of it per token. */
function fitDraftCost(samples: readonly { k: number; extra: number }[]): { perToken: number; perDraft: number } | undefined {
  if (samples.length < MIN_FIT_SAMPLES) return undefined;
  const slopes: number[] = [];
  for (let i = 0; i < samples.length; i++) {
    for (let j = i + 1; j < samples.length; j++) {
      const a = samples[i]!;
      const b = samples[j]!;
      if (a.k !== b.k) slopes.push((b.extra - a.extra) / (b.k - a.k));
    }
  }
  if (slopes.length === 0) return { perToken: Math.max(0, median(samples.map((x) => x.extra / x.k))!), perDraft: 0 };
  const perToken = Math.max(0, median(slopes)!);
  return { perToken, perDraft: Math.max(0, median(samples.map((x) => x.extra - perToken * x.k))!) };
}

/** Hash of the n tokens of `tokens` before `end`; collisions are caught by comparing the tokens. */
function ngramKey(tokens: readonly number[], end: number, n: number): number {
  let hash = n;
  for (let i = end - n; i < end; i++) hash = Math.imul(hash ^ tokens[i]!, 0x9e3779b1) >>> 0;
  return hash;
}

/** Tokens indexed by each n-gram: where the text goes on after it. */
export class NgramIndex {
  readonly tokens: number[] = [];
  private readonly maps = NGRAM_SIZES.map(() => new Map<number, number>());
  /** keep 'all': each n-gram's later occurrences in text order, keyed by its first. */
  private readonly later = NGRAM_SIZES.map(() => new Map<number, number[]>());

  /** `keep`: which occurrences of an n-gram are kept, the most recent (a growing context: the model repeats
   * what it just said) or all (a text the reply rewrites from start to end, looked up from a place in it). */
  constructor(private readonly keep: 'last' | 'all') {}

  /** Index entries held (the bound on memory). */
  get entries(): number {
    let entries = this.maps.reduce((sum, map) => sum + map.size, 0);
    for (const map of this.later) for (const occurrences of map.values()) entries += occurrences.length;
    return entries;
  }

  push(token: number): void {
    const end = this.tokens.length;
    this.tokens.push(token);
    NGRAM_SIZES.forEach((n, k) => {
      if (end < n) return;
      const key = ngramKey(this.tokens, end, n);
      if (this.keep === 'last') {
        this.maps[k]!.set(key, end);
        return;
      }
      const at = this.maps[k]!.get(key);
      if (at === undefined) this.maps[k]!.set(key, end);
      else (this.later[k]!.get(at) ?? this.later[k]!.set(at, []).get(at)!).push(end);
    });
  }

  /** Keeps the first `length` tokens, indexed again: an entry of a dropped token may have replaced the
   * entry of an earlier occurrence that is kept (O(length), once per generation, as the state it is given). */
  truncate(length: number): void {
    if (length >= this.tokens.length) return;
    this.tokens.length = length;
    this.rebuild();
  }

  clear(): void {
    this.tokens.length = 0;
    for (const map of [...this.maps, ...this.later]) map.clear();
  }

  /** Where this text goes on after the last n tokens of `tail` (n from `minN`, longest first), or undefined.
   * `from` (keep 'all'): the first occurrence that begins there or later wins, whatever its n; where none
   * does, the first occurrence of the longest n. */
  find(tail: readonly number[], minN: number, from = 0): number | undefined {
    let before: number | undefined;
    for (let k = 0; k < NGRAM_SIZES.length; k++) {
      const n = NGRAM_SIZES[k]!;
      if (n < minN || tail.length < n) continue;
      // The occurrence the map holds: the latest (keep 'last') or the first (keep 'all').
      const held = this.maps[k]!.get(ngramKey(tail, tail.length, n));
      // A hash collision compares unequal.
      if (held === undefined || held >= this.tokens.length || !matches(this.tokens, held, tail, n)) continue;
      const at = held - n >= from ? held : this.laterFrom(k, held, from + n, tail, n);
      if (at !== undefined) return at;
      before ??= held;
    }
    return before;
  }

  /** The first later occurrence of the n-gram first seen at `first` that ends at `end` or after (binary search:
   * the occurrences are in text order). */
  private laterFrom(k: number, first: number, end: number, tail: readonly number[], n: number): number | undefined {
    const later = this.later[k]!.get(first);
    if (!later) return undefined;
    let low = 0;
    for (let high = later.length; low < high; ) {
      const mid = (low + high) >> 1;
      if (later[mid]! < end) low = mid + 1;
      else high = mid;
    }
    // A hash collision compares unequal.
    for (; low < later.length; low++) if (matches(this.tokens, later[low]!, tail, n)) return later[low];
    return undefined;
  }

  private rebuild(): void {
    const tokens = this.tokens.splice(0);
    for (const map of [...this.maps, ...this.later]) map.clear();
    for (const token of tokens) this.push(token);
  }
}

/** Adds `value` to `recent`, dropping the oldest beyond `limit`. */
function keepRecent<T>(recent: T[], value: T, limit: number): void {
  recent.push(value);
  if (recent.length > limit) recent.shift();
}

/** The median of `values` (undefined for none). */
function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/** Whether the n tokens of `text` before `end` are the last n of `tail`. */
function matches(text: readonly number[], end: number, tail: readonly number[], n: number): boolean {
  for (let i = 1; i <= n; i++) if (text[end - i] !== tail[tail.length - i]) return false;
  return true;
}

function freshOdds(): Record<Source, FollowOdds> {
  return { rewritten: new FollowOdds(PRIOR_ODDS.rewritten), context: new FollowOdds(PRIOR_ODDS.context) };
}

export class LookupPredictor implements TokenPredictor {
  /** Everything the sequence holds, as far as the predictor has been told. */
  private readonly context = new NgramIndex('last');
  /** The text the reply rewrites (GenerationRequest.repeats), if any. */
  private readonly rewritten = new NgramIndex('all');
  /** The candidate: the text being followed, the index of its token expected next, where it comes from, and
   * how many tokens in a row the reply has agreed with it. */
  private following: { text: readonly number[]; at: number; source: Source; run: number } | undefined;
  /** How far into the rewritten text the reply has come (after its last run of TRUSTED_RUN tokens or more):
   * a text is rewritten in order, so after a changed passage the reply picks it up after this place. Where a
   * sentence of a proof opens with the same two tokens as every other (". The"), the first occurrence would
   * send the lookup back to the proof's start. */
  private resumeAt = 0;
  /** This generation's odds of agreeing, per source (reset with each generation). */
  private odds = freshOdds();
  /** This generation's odds that a draft model's token is right (one bucket: each of its tokens alike). */
  private draftModelOdds = new FollowOdds(DRAFT_MODEL_PRIOR);
  /** The last draft handed out and how many of its tokens the reply has matched so far. */
  private draft: readonly number[] = [];
  private draftFromModel = false;
  private matched = 0;
  private modelWindow = { drafts: 0, drafted: 0, accepted: 0 };
  /** The draft model is off for the rest of this generation (its predictions were mostly wrong). */
  private draftModelOff = false;
  /** The draft length of the evaluation the library is running now (handed out, not yet timed). */
  private evaluating: number | undefined;
  /** The draft model's last proposal, whole (what was handed out may be a prefix), and how much of it the
   * reply has matched: every proposed token is checked against the reply's, handed out or not. */
  private modelProposal: { tokens: readonly number[]; matched: number } | undefined;
  /** How long the evaluation being timed waited for the draft model's draft (ms): not the target's cost. */
  private draftWaitMs = 0;
  /** Timed evaluations since the last one that carried a looked-up draft, and since the last with none. */
  private sinceTimedDraft = 0;
  private sinceTimedSingle = Number.POSITIVE_INFINITY;
  /** The last draft handed out is the draft model's and its evaluation was timed (its tokens count). */
  private modelDraftTimed = false;
  /** Recent timings: evaluations with no prediction (ms), drafts of k tokens (ms on top of `single`), and
   * the wait for a draft model's draft per token asked for (ms). */
  private readonly timings = { single: [] as number[], drafts: [] as { k: number; extra: number }[], draftModelToken: [] as number[] };
  /** The length the draft model was last asked for. */
  private askedOfModel = 0;
  /** The fit of `timings.drafts`, made again when a sample arrives. */
  private draftCost: { perToken: number; perDraft: number } | undefined;
  readonly stats: LookupStats = { drafts: 0, drafted: 0, accepted: 0 };
  readonly draftModelStats: LookupStats = { drafts: 0, drafted: 0, accepted: 0 };
  /** Evaluations that carried a draft model's draft: how long they took (ms) and the tokens they gave (the
   * model's sample after the draft's confirmed tokens, and those). Their rate is the speed with the draft. */
  readonly draftModelTiming = { ms: 0, tokens: 0 };

  /**
   * `enabled: false`: the lookup predicts nothing (the setting that turns it off).
   * `draftModel`: a draft model's predictor for the sequence, used where the lookup does not draft.
   * `fixedBreakEven`: this share instead of the measured one (tests that count predictions, whose counts
   * must not depend on the machine's timing).
   */
  constructor(
    private readonly enabled = true,
    private readonly draftModel?: DraftModelPredictor,
    private readonly fixedBreakEven?: number,
  ) {}

  /** The text the reply rewrites (empty: none). Called before each generation. */
  updateInputTokens(tokens: Token[]): void {
    this.rewritten.clear();
    for (const token of tokens) this.rewritten.push(token);
  }

  /** The sequence holds these tokens now (a generation begins): the index keeps what it shares with them. */
  reset(state: Pick<ResetState, 'stateTokens'> & Partial<ResetState>): void | Promise<void> {
    const { stateTokens } = state;
    const held = this.context.tokens;
    let shared = 0;
    while (shared < held.length && shared < stateTokens.length && held[shared] === stateTokens[shared]) shared++;
    this.context.truncate(shared);
    for (let i = shared; i < stateTokens.length; i++) this.context.push(stateTokens[i]!);
    this.settleDraft();
    this.evaluating = undefined;
    this.odds = freshOdds();
    this.draftModelOdds = new FollowOdds(DRAFT_MODEL_PRIOR);
    this.modelProposal = undefined;
    this.resumeAt = 0;
    this.following = this.match();
    this.modelWindow = { drafts: 0, drafted: 0, accepted: 0 };
    this.draftModelOff = false;
    // The library passes the whole state (the target sequence and its options); only tests leave them out.
    return this.draftModel?.predictor.reset(state as ResetState);
  }

  /** Tokens added to the sequence (sampled, or confirmed predictions). */
  pushTokens(tokens: Token[]): void {
    if (this.draftModel && !this.draftModelOff) this.draftModel.predictor.pushTokens(tokens);
    for (const token of tokens) {
      this.context.push(token);
      this.observe(token);
      this.observeProposal(token);
      if (this.matched < this.draft.length) {
        if (this.draft[this.matched] === token) {
          this.matched++;
          if (this.matched === this.draft.length) this.settleDraft();
        } else this.settleDraft();
      }
    }
  }

  /** The next tokens of the candidate while the odds say they pay; else the draft model's. */
  predictTokens(): Token[] | Promise<Token[]> {
    this.settleDraft();
    const looked = this.lookUp();
    if (looked.length > 0 || !this.draftModel || this.draftModelOff) return this.handOut(looked, false);
    if (this.sinceTimedSingle >= SINGLE_REMEASURE_AFTER) return this.handOut([], false);
    // As the lookup does, one token now and then (REMEASURE_AFTER), so that a cost measured at a busy moment
    // cannot keep the draft model off for good.
    const length = this.draftModelLength() || (this.sinceTimedDraft >= REMEASURE_AFTER ? 1 : 0);
    if (length === 0) {
      // Not even its first token pays.
      this.turnDraftModelOff();
      return this.handOut([], false);
    }
    this.draftModel.setLength(length);
    this.askedOfModel = length;
    const drafted = this.draftModel.predictor.predictTokens();
    if (!(drafted instanceof Promise)) return this.handOut(this.proposed(drafted, length), true);
    const asked = performance.now();
    return drafted.then((tokens) => {
      const draft = this.handOut(this.proposed(tokens, length), true);
      this.draftWaitMs = performance.now() - asked;
      return draft;
    });
  }

  /** The candidate's next token against the one the model produced: the odds learn, the run goes on or ends;
   * with no candidate left, the context is looked up for a new one. */
  private observe(token: number): void {
    if (!this.enabled) return;
    const following = this.following;
    if (following) {
      const agreed = following.text[following.at] === token;
      this.odds[following.source].record(following.run, agreed);
      if (agreed) {
        following.at++;
        following.run++;
        if (following.source === 'rewritten' && following.run >= TRUSTED_RUN) this.resumeAt = following.at;
      }
      if (!agreed || following.at >= following.text.length) this.following = undefined;
    }
    this.following ??= this.match();
  }

  /** The draft model's proposal against the token the model produced: right, or wrong and done with (the
   * tokens after a wrong one say nothing of the draft model). */
  private observeProposal(token: number): void {
    const proposal = this.modelProposal;
    if (!proposal) return;
    const right = proposal.tokens[proposal.matched] === token;
    this.draftModelOdds.record(0, right);
    proposal.matched++;
    if (!right || proposal.matched >= proposal.tokens.length) this.modelProposal = undefined;
  }

  /** The draft: the candidate's tokens for as long as the chance that all of them so far are confirmed
   * stays above the break-even share. */
  private lookUp(): readonly number[] {
    if (!this.enabled || !this.following) return [];
    const { text, at, source, run } = this.following;
    const odds = this.odds[source];
    const breakEven = this.breakEven;
    // Each further token while it pays for itself; then the whole draft must repay its fixed cost too:
    // the evaluations it is expected to save (the sum of the chances) against its cost in evaluations.
    let length = 0;
    let saved = 0;
    for (let all = 1; length < MAX_DRAFT && at + length < text.length; length++) {
      all *= odds.odds(run + length);
      if (all <= breakEven) break;
      saved += all;
    }
    if (saved <= this.draftOverhead + length * breakEven) length = 0;
    // Now and then one token, so that the cost of a predicted token is measured again (see REMEASURE_AFTER).
    if (length === 0 && this.sinceTimedDraft >= REMEASURE_AFTER && at < text.length) length = 1;
    return text.slice(at, at + length);
  }

  /** How many of the draft model's tokens pay for themselves at its accuracy in this generation (each right
   * with the same chance): the i-th while P(all i right) > (perToken + the wait for one draft token) / single.
   * At 90% per token, where a predicted token and the wait for it cost a third of an evaluation, ten. (No
   * test of a draft's fixed cost here, unlike the lookup's: measured while the draft model still drafted
   * beside the target, it took in their contention and turned off a draft right 90% of the time that made
   * the target 1.5x faster; not measured again since they take turns.) */
  private draftModelLength(): number {
    const right = this.draftModelOdds.odds(0);
    const single = this.cost.single;
    const wait = median(this.timings.draftModelToken);
    // The wait counts once the costs are measured (before, the stand-in share stands for everything).
    const measured = this.fixedBreakEven === undefined && this.draftCost !== undefined && single !== undefined && single > 0;
    const breakEven = measured && wait !== undefined ? Math.min(1, this.breakEven + wait / single) : this.breakEven;
    let length = 0;
    for (let all = right; length < MAX_DRAFT && all > breakEven; all *= right) length++;
    return length;
  }

  /** The draft model's proposal, recorded to learn its accuracy, and the part handed out (a draft drafted
   * before its length was lowered can be longer). */
  private proposed(tokens: readonly Token[], length: number): readonly Token[] {
    // An empty proposal (the draft starting again) is no evidence either way.
    this.modelProposal = tokens.length > 0 ? { tokens: tokens.slice(), matched: 0 } : undefined;
    return tokens.slice(0, length);
  }

  /** Records a draft handed to the library, to count how much of it the model confirms. */
  private handOut(draft: readonly number[], fromModel: boolean): Token[] {
    this.evaluating = draft.length;
    this.draftWaitMs = 0;
    this.draft = draft.slice();
    this.draftFromModel = fromModel;
    this.matched = 0;
    if (draft.length > 0) {
      const stats = fromModel ? this.draftModelStats : this.stats;
      stats.drafts++;
      stats.drafted += draft.length;
    }
    return draft.slice() as Token[];
  }

  /**
   * How long the generation waited for the token it just received (ms): when that token came out of an
   * evaluation (not a confirmed prediction's, which comes with none), this is the evaluation's cost, with
   * the draft length it carried. `undefined`: not a measure (the first token, evaluated with the prompt).
   */
  evaluationTimed(ms: number | undefined): void {
    const drafted = this.evaluating;
    this.evaluating = undefined;
    if (drafted === undefined || ms === undefined) return;
    if (this.draftFromModel && drafted > 0) {
      this.draftModelTiming.ms += ms;
      this.modelDraftTimed = true;
      keepRecent(this.timings.draftModelToken, this.draftWaitMs / this.askedOfModel, COST_SAMPLES);
    }
    const single = median(this.timings.single);
    this.sinceTimedSingle = drafted === 0 ? 0 : this.sinceTimedSingle + 1;
    if (drafted === 0) {
      keepRecent(this.timings.single, ms, COST_SAMPLES);
      this.sinceTimedDraft++;
    } else if (single !== undefined) {
      // What the target's evaluation cost: a draft model's evaluation also waited for its draft.
      keepRecent(this.timings.drafts, { k: drafted, extra: ms - this.draftWaitMs - single }, DRAFT_COST_SAMPLES);
      this.draftCost = fitDraftCost(this.timings.drafts);
      this.sinceTimedDraft = 0;
    }
  }

  /** Measured over every generation on the sequence (the costs are the model's and the machine's). */
  get cost(): EvaluationCost {
    return { single: median(this.timings.single), perToken: this.draftCost?.perToken, perDraft: this.draftCost?.perDraft };
  }

  /** The share that a further predicted token must be likely to be confirmed with to pay, perToken / single
   * (see the module comment). */
  get breakEven(): number {
    if (this.fixedBreakEven !== undefined) return this.fixedBreakEven;
    const { single, perToken } = this.cost;
    if (single === undefined || perToken === undefined || single <= 0) return BREAK_EVEN;
    return Math.min(1, Math.max(MIN_BREAK_EVEN, perToken / single));
  }

  /** What any draft costs on top of its tokens, in single evaluations (0 until measured, or with a fixed
   * share). */
  private get draftOverhead(): number {
    if (this.fixedBreakEven !== undefined) return 0;
    const { single, perDraft } = this.cost;
    return single === undefined || perDraft === undefined || single <= 0 ? 0 : perDraft / single;
  }

  /** Stops the draft model's background drafting (the library calls it after a refuted prediction). */
  stop(untilPredictionsExhausted?: boolean): void {
    this.draftModel?.predictor.stop(untilPredictionsExhausted);
  }

  dispose(): void {
    this.draftModel?.predictor.dispose();
    this.context.clear();
    this.rewritten.clear();
    this.following = undefined;
    this.draft = [];
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Index entries held (tests check that memory stays bounded by the tokens held). */
  get indexEntries(): number {
    return this.context.entries + this.rewritten.entries;
  }

  /** A new candidate: the rewritten text first, then the most recent earlier occurrence in the context. */
  private match(): { text: readonly number[]; at: number; source: Source; run: number } | undefined {
    if (!this.enabled) return undefined;
    const tail = this.context.tokens;
    const inRewritten = this.rewritten.find(tail, 2, this.resumeAt);
    if (inRewritten !== undefined) return { text: this.rewritten.tokens, at: inRewritten, source: 'rewritten', run: 0 };
    const inContext = this.context.find(tail, MIN_CONTEXT_N);
    return inContext === undefined ? undefined : { text: this.context.tokens, at: inContext, source: 'context', run: 0 };
  }

  /** Off for the rest of the generation, so that the draft model stops drafting (and taking the cores) in the
   * background. */
  private turnDraftModelOff(): void {
    this.draftModelOff = true;
    this.draftModel?.predictor.stop();
  }

  /** Accounts for the last draft (its confirmed prefix); turns a draft model that keeps missing off. */
  private settleDraft(): void {
    const drafted = this.draft.length;
    if (drafted === 0) return;
    const accepted = this.matched;
    this.draft = [];
    this.matched = 0;
    if (!this.draftFromModel) {
      this.stats.accepted += accepted;
      return;
    }
    this.draftModelStats.accepted += accepted;
    if (this.modelDraftTimed) this.draftModelTiming.tokens += accepted + 1;
    this.modelDraftTimed = false;
    const window = this.modelWindow;
    window.drafts++;
    window.drafted += drafted;
    window.accepted += accepted;
    if (window.drafts < WINDOW_DRAFTS || window.drafted < WINDOW_TOKENS) return;
    if (window.accepted < Math.max(DRAFT_BREAK_EVEN, this.breakEven) * window.drafted) this.turnDraftModelOff();
    this.modelWindow = { drafts: 0, drafted: 0, accepted: 0 };
  }
}
