/**
 * `qed-nano grade`'s judge: the OpenAI-compatible endpoint and model the user names (`--judge-endpoint`,
 * `--judge-model`), its API key from QED_NANO_JUDGE_API_KEY only (a flag would show it in `ps` and shell
 * history). It is asked through chatCompletion (engine/chatCompletion.ts, which says why the RemoteEngine is
 * not used), and its reply is read as the benchmark reads it (verdictOf).
 *
 * A failure that says the judge cannot be used at all (the key refused, the model or route unknown, a
 * redirect, TLS, a server that cannot be reached after the retries, a reply that is not OpenAI's) stops the
 * whole run: every other request would fail the same way. A failure of one request (still busy after the
 * retries, a server error, a proof too long for its context, no answer in time) makes that sample
 * ungraded, with the reason, and a run of the same command asks again.
 */
import { chatCompletion, type ChatCompletionOptions } from '../engine/chatCompletion';
import { RemoteEngineError, type RemoteAdvice, type RemoteFailure } from '../engine/openAiHttp';
import { verdictOf, type Verdict } from '../prompts/proofBenchGrader';
import { endpointUrls } from '../settings';
import { positiveInteger } from './engine';
import { CliError, EXIT } from './exitCodes';

export const JUDGE_API_KEY_VARIABLE = 'QED_NANO_JUDGE_API_KEY';

export interface JudgeFlags {
  judgeEndpoint: string;
  judgeModel: string;
  /** Seconds one judgement may take. */
  judgeTimeout: string;
}

/** Who judged: what the report and every grade line name. */
export interface JudgeIdentity {
  /** The endpoint's host (and port). */
  host: string;
  model: string;
}

export interface Judgement {
  verdict: Verdict;
  /** The judge's reply as it came ('' when there was none). */
  reply: string;
  promptTokens?: number;
  completionTokens?: number;
  ms: number;
}

const ADVICE: RemoteAdvice = {
  endpoints: '--judge-endpoint',
  model: '--judge-model',
  timeout: '--judge-timeout',
  apiKey: `Set the judge's key in the ${JUDGE_API_KEY_VARIABLE} environment variable.`,
  redirect: 'If that is where the judge is now, name it with --judge-endpoint.',
  context: 'This proof is too long for the judge.',
};

/** Failures after which no request to this judge can succeed. */
const UNUSABLE: ReadonlySet<RemoteFailure> = new Set(['auth', 'model', 'protocol', 'tls', 'unreachable']);

export class Judge {
  readonly identity: JudgeIdentity;

  private constructor(private readonly options: ChatCompletionOptions) {
    this.identity = { host: new URL(options.url).host, model: options.model };
  }

  /** The judge the flags and the environment name; a usage error when they name none. */
  static fromFlags(flags: JudgeFlags): Judge {
    const [url] = endpointUrls([flags.judgeEndpoint]);
    if (!url) throw new CliError(`qed-nano: --judge-endpoint must be an http or https URL, such as https://api.example.com/v1 (got ${flags.judgeEndpoint}).`, EXIT.usage);
    const model = flags.judgeModel.trim();
    if (!model) throw new CliError('qed-nano: --judge-model must name the model the endpoint serves.', EXIT.usage);
    const apiKey = process.env[JUDGE_API_KEY_VARIABLE] || undefined;
    return new Judge({ url, model, apiKey, timeoutMs: positiveInteger(flags.judgeTimeout, '--judge-timeout') * 1000, advice: ADVICE });
  }

  /** `MODEL at HOST`. */
  describe(): string {
    return `${this.identity.model} at ${this.identity.host}`;
  }

  /**
   * The judge's verdict on one grader prompt. Throws a CliError (exit 3) when the judge cannot be used at
   * all, and the signal's reason when it fires.
   */
  async judge(prompt: string, signal: AbortSignal): Promise<Judgement> {
    const started = Date.now();
    try {
      const reply = await chatCompletion(this.options, prompt, signal);
      const verdict = verdictOf(reply.content);
      return {
        verdict: 'ungraded' in verdict && reply.finishReason === 'length' ? { ungraded: `${verdict.ungraded}; it stopped at its token limit` } : verdict,
        reply: reply.content,
        ...(reply.promptTokens !== undefined ? { promptTokens: reply.promptTokens } : {}),
        ...(reply.completionTokens !== undefined ? { completionTokens: reply.completionTokens } : {}),
        ms: Date.now() - started,
      };
    } catch (error) {
      if (signal.aborted || !(error instanceof RemoteEngineError)) throw error;
      if (UNUSABLE.has(error.failure)) throw new CliError(`qed-nano: the judge cannot be used: ${error.message}`, EXIT.engine);
      return { verdict: { ungraded: error.message }, reply: '', ms: Date.now() - started };
    }
  }
}
