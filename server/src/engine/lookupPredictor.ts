/**
 * N-gram lookup prediction for node-llama-cpp's speculative evaluation (a sequence's `tokenPredictor`),
 * for every generation: the model's own words predict its next ones. Everything the sequence holds is
 * indexed as it arrives (the prompt: problem, document, earlier turns; and what is generated, the thinking
 * included), keyed by its last n tokens (n = 4, 3, 2: the longest that matches wins); the continuation of
 * the most recent earlier occurrence of the reply's last n tokens is the prediction, followed for as long as
 * the model confirms it. A text the reply is known to rewrite (GenerationRequest.repeats: a refinement, a
 * Continue) is a source of its own, looked in first.
 *
 * The model's sample at each predicted position confirms the prediction or not (node-llama-cpp as patched
 * at install validates every predicted token, docs/upstream-speculative-validation.md), so what is
 * generated never changes; a wrong prediction costs its evaluation only.
 *  - Draft length adapts: doubled while a whole draft is confirmed (up to MAX_DRAFT), halved on a miss.
 *  - Never slower: when, over a window of drafted tokens, fewer than the break-even share of them were
 *    confirmed, prediction pauses for a number of tokens that doubles each time in a row it happens (a
 *    reply that repeats nothing soon costs next to nothing); a good window resets the pause.
 *  - The break-even share is measured, not fixed: an evaluation that carries k predicted tokens costs
 *    `single + k * perToken` (the engine reports how long each evaluation took, `evaluationTimed`), and a
 *    draft of k tokens of which a are confirmed saves a evaluations, so it pays when a / k > perToken /
 *    single. A memory-bound model (the weights read once for the whole batch: a wide model on a CPU, any
 *    model on a GPU) has a small ratio and keeps predicting at a low acceptance; a compute-bound one (the
 *    tiny model, where each position's sampling costs as much as its evaluation) needs nearly every token
 *    confirmed. BREAK_EVEN stands in until both costs have been measured on the sequence.
 *  - Cost: O(1) per token (three hash-map writes), a lookup is three map reads and at most 9 token
 *    comparisons; the index holds at most one entry per n-gram position held, rebuilt from the kept
 *    tokens when a generation replaces the end of the sequence.
 *
 * With a draft model (qedNano.draftModel) the lookup comes first where it has a match and the draft
 * model's prediction (node-llama-cpp's DraftSequenceTokenPredictor, kept in step with the sequence) is used
 * otherwise, as llama.cpp combines them. The draft has its own acceptance count; below DRAFT_BREAK_EVEN over
 * a window it is turned off for the rest of the generation (it also costs the draft model's evaluations).
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
export const MAX_DRAFT = 16;
/** An acceptance window: at least this many drafts and drafted tokens (one long draft that misses early
 * is no verdict: the next is half as long). */
const WINDOW_DRAFTS = 4;
const WINDOW_TOKENS = 16;
/** The share that must be confirmed before the costs are measured: on a CPU an extra token in an
 * evaluation of a memory-bound model costs a fraction of a single-token evaluation. */
export const BREAK_EVEN = 0.25;
/** The measured share never goes below this (a window that confirms next to nothing is no gain whatever
 * the costs say, and the measurement is noisy on a loaded machine). */
export const MIN_BREAK_EVEN = 0.05;
/** Timings kept for each cost: its median over the most recent ones (a loaded machine's stalls, which fall
 * on any evaluation whatever its length, move a median little and a mean a lot). */
const COST_SAMPLES = 31;
/** A draft model's token costs its own evaluation on top of the target's share: it must be right more
 * often than a looked-up one to pay. */
export const DRAFT_BREAK_EVEN = 0.4;
const FIRST_PAUSE = 32;
const MAX_PAUSE = 4096;

type ResetState = Parameters<TokenPredictor['reset']>[0];

/** Counts since the predictor was made (one per source): `drafted` tokens were evaluated as predictions,
 * `accepted` were confirmed by the model, in `drafts` evaluations that carried a prediction. */
export interface LookupStats {
  drafts: number;
  drafted: number;
  accepted: number;
}

/** What an evaluation costs on a sequence, measured (ms, medians of recent timings; undefined until measured). */
export interface EvaluationCost {
  /** An evaluation with no predicted token. */
  single: number | undefined;
  /** Each predicted token an evaluation carries, on top of `single`. */
  perToken: number | undefined;
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

  /** `keep`: which occurrence an n-gram points at, the most recent (a growing context: the model repeats
   * what it just said) or the first (a text the reply rewrites from start to end). */
  constructor(private readonly keep: 'last' | 'first') {}

  /** Index entries held (the bound on memory). */
  get entries(): number {
    return this.maps.reduce((sum, map) => sum + map.size, 0);
  }

  push(token: number): void {
    const end = this.tokens.length;
    this.tokens.push(token);
    NGRAM_SIZES.forEach((n, k) => {
      if (end < n) return;
      const key = ngramKey(this.tokens, end, n);
      if (this.keep === 'last' || !this.maps[k]!.has(key)) this.maps[k]!.set(key, end);
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
    for (const map of this.maps) map.clear();
  }

  /** Where this text goes on after the last n tokens of `tail` (n from `minN`), or undefined. */
  find(tail: readonly number[], minN: number): number | undefined {
    for (let k = 0; k < NGRAM_SIZES.length; k++) {
      const n = NGRAM_SIZES[k]!;
      if (n < minN || tail.length < n) continue;
      const at = this.maps[k]!.get(ngramKey(tail, tail.length, n));
      // A hash collision compares unequal.
      if (at !== undefined && at < this.tokens.length && matches(this.tokens, at, tail, n)) return at;
    }
    return undefined;
  }

  private rebuild(): void {
    const tokens = this.tokens.splice(0);
    for (const map of this.maps) map.clear();
    for (const token of tokens) this.push(token);
  }
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

export class LookupPredictor implements TokenPredictor {
  /** Everything the sequence holds, as far as the predictor has been told. */
  private readonly context = new NgramIndex('last');
  /** The text the reply rewrites (GenerationRequest.repeats), if any. */
  private readonly source = new NgramIndex('first');
  /** The text being followed and the index of its token expected next. */
  private following: { text: readonly number[]; at: number } | undefined;
  private draftLength = 2;
  /** The last draft handed out and how many of its tokens the reply has matched so far. */
  private draft: readonly number[] = [];
  private draftFromModel = false;
  private matched = 0;
  private window = { drafts: 0, drafted: 0, accepted: 0 };
  private modelWindow = { drafts: 0, drafted: 0, accepted: 0 };
  private pauseLeft = 0;
  private nextPause = FIRST_PAUSE;
  /** The draft model is off for the rest of this generation (its predictions were mostly wrong). */
  private draftModelOff = false;
  /** The draft length of the evaluation the library is running now (handed out, not yet timed). */
  private evaluating: number | undefined;
  /** The last draft handed out is the draft model's and its evaluation was timed (its tokens count). */
  private modelDraftTimed = false;
  /** Recent timings: evaluations with no prediction (ms), and per predicted token on top of `single`. */
  private readonly timings = { single: [] as number[], perToken: [] as number[] };
  readonly stats: LookupStats = { drafts: 0, drafted: 0, accepted: 0 };
  readonly draftModelStats: LookupStats = { drafts: 0, drafted: 0, accepted: 0 };
  /** Evaluations that carried a draft model's draft: how long they took (ms) and the tokens they gave (the
   * model's sample after the draft's confirmed tokens, and those). Their rate is the speed with the draft. */
  readonly draftModelTiming = { ms: 0, tokens: 0 };

  /**
   * `enabled: false`: the lookup predicts nothing (the setting that turns it off).
   * `draftModel`: a draft model's predictor for the sequence, used where the lookup has no match.
   * `fixedBreakEven`: this share instead of the measured one (tests that count predictions, whose counts
   * must not depend on the machine's timing).
   */
  constructor(
    private readonly enabled = true,
    private readonly draftModel?: TokenPredictor,
    private readonly fixedBreakEven?: number,
  ) {}

  /** The text the reply rewrites (empty: none). Called before each generation. */
  updateInputTokens(tokens: Token[]): void {
    this.source.clear();
    for (const token of tokens) this.source.push(token);
  }

  /** The sequence holds these tokens now (a generation begins): the index keeps what it shares with them. */
  reset(state: Pick<ResetState, 'stateTokens'> & Partial<ResetState>): void | Promise<void> {
    const { stateTokens } = state;
    const held = this.context.tokens;
    let shared = 0;
    while (shared < held.length && shared < stateTokens.length && held[shared] === stateTokens[shared]) shared++;
    this.context.truncate(shared);
    for (let i = shared; i < stateTokens.length; i++) this.context.push(stateTokens[i]!);
    this.following = undefined;
    this.settleDraft();
    this.evaluating = undefined;
    this.draftLength = 2;
    this.window = { drafts: 0, drafted: 0, accepted: 0 };
    this.pauseLeft = 0;
    this.nextPause = FIRST_PAUSE;
    this.modelWindow = { drafts: 0, drafted: 0, accepted: 0 };
    this.draftModelOff = false;
    // The library passes the whole state (the target sequence and its options); only tests leave them out.
    return this.draftModel?.reset(state as ResetState);
  }

  /** Tokens added to the sequence (sampled, or confirmed predictions). */
  pushTokens(tokens: Token[]): void {
    if (this.draftModel && !this.draftModelOff) this.draftModel.pushTokens(tokens);
    for (const token of tokens) {
      this.context.push(token);
      if (this.pauseLeft > 0) this.pauseLeft--;
      if (this.following) {
        if (this.following.text[this.following.at] === token) this.following.at++;
        else this.following = undefined;
      }
      if (this.matched < this.draft.length) {
        if (this.draft[this.matched] === token) {
          this.matched++;
          if (this.matched === this.draft.length) this.settleDraft();
        } else this.settleDraft();
      }
    }
  }

  /** The next tokens of the text the reply follows (at most the draft length); else the draft model's. */
  predictTokens(): Token[] | Promise<Token[]> {
    this.settleDraft();
    const looked = this.lookUp();
    if (looked.length > 0 || !this.draftModel || this.draftModelOff) return this.handOut(looked, false);
    const drafted = this.draftModel.predictTokens();
    return drafted instanceof Promise ? drafted.then((tokens) => this.handOut(tokens, true)) : this.handOut(drafted, true);
  }

  private lookUp(): readonly number[] {
    if (!this.enabled || this.pauseLeft > 0) return [];
    if (!this.following || this.following.at >= this.following.text.length) this.following = this.match();
    if (!this.following) return [];
    const { text, at } = this.following;
    return text.slice(at, Math.min(at + this.draftLength, text.length));
  }

  /** Records a draft handed to the library, to count how much of it the model confirms. */
  private handOut(draft: readonly number[], fromModel: boolean): Token[] {
    this.evaluating = draft.length;
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
    }
    const keep = (samples: number[], sample: number): void => {
      samples.push(sample);
      if (samples.length > COST_SAMPLES) samples.shift();
    };
    const { single } = this.cost;
    if (drafted === 0) keep(this.timings.single, ms);
    else if (single !== undefined) keep(this.timings.perToken, Math.max(0, ms - single) / drafted);
  }

  /** Measured over every generation on the sequence (the costs are the model's and the machine's). */
  get cost(): EvaluationCost {
    return { single: median(this.timings.single), perToken: median(this.timings.perToken) };
  }

  /** The share of drafted tokens that must be confirmed for prediction to pay (see the module comment). */
  get breakEven(): number {
    if (this.fixedBreakEven !== undefined) return this.fixedBreakEven;
    const { single, perToken } = this.cost;
    if (single === undefined || perToken === undefined || single <= 0) return BREAK_EVEN;
    return Math.min(1, Math.max(MIN_BREAK_EVEN, perToken / single));
  }

  /** Stops the draft model's background drafting (the library calls it after a refuted prediction). */
  stop(untilPredictionsExhausted?: boolean): void {
    this.draftModel?.stop(untilPredictionsExhausted);
  }

  dispose(): void {
    this.draftModel?.dispose();
    this.context.clear();
    this.source.clear();
    this.following = undefined;
    this.draft = [];
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Index entries held (tests check that memory stays bounded by the tokens held). */
  get indexEntries(): number {
    return this.context.entries + this.source.entries;
  }

  /** Where to go on: the rewritten text first, then the most recent earlier occurrence in the context. */
  private match(): { text: readonly number[]; at: number } | undefined {
    const tail = this.context.tokens;
    const inSource = this.source.find(tail, 2);
    if (inSource !== undefined) return { text: this.source.tokens, at: inSource };
    const inContext = this.context.find(tail, MIN_CONTEXT_N);
    return inContext === undefined ? undefined : { text: this.context.tokens, at: inContext };
  }

  /** Accounts for the last draft (its confirmed prefix), adapts the length and decides on a pause. */
  private settleDraft(): void {
    const drafted = this.draft.length;
    if (drafted === 0) return;
    const accepted = this.matched;
    this.draft = [];
    this.matched = 0;
    if (this.draftFromModel) {
      this.draftModelStats.accepted += accepted;
      if (this.modelDraftTimed) this.draftModelTiming.tokens += accepted + 1;
      this.modelDraftTimed = false;
      const window = this.modelWindow;
      window.drafts++;
      window.drafted += drafted;
      window.accepted += accepted;
      if (window.drafts < WINDOW_DRAFTS || window.drafted < WINDOW_TOKENS) return;
      if (window.accepted < Math.max(DRAFT_BREAK_EVEN, this.breakEven) * window.drafted) {
        this.draftModelOff = true;
        this.draftModel?.stop();
      }
      this.modelWindow = { drafts: 0, drafted: 0, accepted: 0 };
      return;
    }
    this.stats.accepted += accepted;
    this.draftLength = accepted === drafted ? Math.min(MAX_DRAFT, this.draftLength * 2) : Math.max(1, this.draftLength >> 1);
    this.window.drafts++;
    this.window.drafted += drafted;
    this.window.accepted += accepted;
    if (this.window.drafts < WINDOW_DRAFTS || this.window.drafted < WINDOW_TOKENS) return;
    if (this.window.accepted < this.breakEven * this.window.drafted) {
      this.pauseLeft = this.nextPause;
      this.nextPause = Math.min(MAX_PAUSE, this.nextPause * 2);
      this.following = undefined;
    } else this.nextPause = FIRST_PAUSE;
    this.window = { drafts: 0, drafted: 0, accepted: 0 };
  }
}
