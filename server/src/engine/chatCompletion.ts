/**
 * One chat completion from an OpenAI-compatible server, not streamed: what `qed-nano grade` asks its judge
 * (any chat model: vLLM, SGLang, OpenAI's API, a gateway). The prompt goes as one user message to
 * `/chat/completions` with no sampling fields, so the server's defaults apply, as the benchmark leaves
 * them (temperature null).
 *
 * Why not the RemoteEngine (an Engine with generate()): it is QED-Nano's engine. It writes QED-Nano's own
 * chat format, thinking prefill included, as text to `/completions` (a chat model's server refuses or
 * misreads that), sends vLLM's sampling extensions (top_k) that OpenAI's API refuses, puts invisible
 * joiners into text that looks like a Qwen3 special token (the judge must read the proof as written), and
 * reads a reply as thinking until `</think>`. What the two share, the small piece factored out for this,
 * is openAiHttp.ts: how a failure is described, redirects refused with their target named, error bodies
 * read only so far, the wait between tries.
 *
 *  - Bounded: the reply is read up to MAX_REPLY_CHARS (after decompression) and no further; the whole
 *    request has one deadline (`timeoutMs`: nothing streams, so there is no progress to watch).
 *  - 429 and every 5xx status, refused or reset connections are tried again (`attempts` in all), after a
 *    wait that doubles from `backoffMs`, or the server's Retry-After (at most 60 s). A timeout is not: the
 *    caller decides what an unanswered request means.
 *  - A redirect is refused with its target named: the prompt holds the user's proofs and goes to no host
 *    the user did not name.
 */
import { eitherSignal } from './eitherSignal';
import { decoded, describeFailure, errorText, httpFailure, refuseRedirect, RemoteEngineError, sleep, type RemoteAdvice } from './openAiHttp';

export interface ChatCompletionOptions {
  /** The OpenAI base URL (`https://host/v1`; settings.ts endpointUrls normalises one). */
  url: string;
  model: string;
  /** Sent as `Authorization: Bearer` only; never in a message. */
  apiKey: string | undefined;
  /** The longest one request may take, reply included. */
  timeoutMs: number;
  /** Tries of a request before its failure is reported (default 4). */
  attempts?: number;
  /** The first wait between tries, doubled each time (default 1 s). */
  backoffMs?: number;
  /** How failure messages name what the user sets. */
  advice: RemoteAdvice;
}

export interface ChatReply {
  /** `choices[0].message.content`: '' when the server sent none. */
  content: string;
  /** `finish_reason`, when the server gives one (`length`: it ran out of tokens). */
  finishReason: string | undefined;
  promptTokens: number | undefined;
  completionTokens: number | undefined;
}

/** The most characters a reply may take on the wire (a long judgement is some 100,000). */
export const MAX_REPLY_CHARS = 4_000_000;

/**
 * The server's reply to `prompt` as one user message. Rejects with a RemoteEngineError (the sentence the
 * user reads, `failure` saying what kind), or with the signal's reason when `signal` fires.
 */
export async function chatCompletion(options: ChatCompletionOptions, prompt: string, signal?: AbortSignal): Promise<ChatReply> {
  const endpoint = { url: options.url, host: new URL(options.url).host };
  const attempts = options.attempts ?? 4;
  const backoffMs = options.backoffMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await once(options, endpoint, prompt, signal);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const failure = describeFailure(error, endpoint, options.timeoutMs, options.advice);
      if (!failure.retriable || attempt >= attempts) {
        throw attempt > 1 ? new RemoteEngineError(`${failure.message} (${attempt} tries)`, failure.failure, false) : failure;
      }
      await sleep(failure.retryAfterMs ?? backoffMs * 2 ** (attempt - 1), signal);
    }
  }
}

interface ChatCompletionBody {
  choices?: { message?: { content?: string | null } | null; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: unknown;
}

async function once(options: ChatCompletionOptions, endpoint: { url: string; host: string }, prompt: string, signal: AbortSignal | undefined): Promise<ChatReply> {
  const own = new AbortController();
  const seconds = Math.round(options.timeoutMs / 1000);
  const deadline = setTimeout(() => own.abort(new RemoteEngineError(`${endpoint.host} did not answer within ${seconds} s; the request was ended (${options.advice.timeout}).`, 'timeout')), options.timeoutMs);
  const stopping = eitherSignal(signal, own.signal);
  const notOpenAi = (what: string): RemoteEngineError =>
    new RemoteEngineError(`${endpoint.host} is not an OpenAI-compatible server: ${what}. Check ${options.advice.endpoints} (the base URL ends in /v1).`, 'protocol');
  try {
    const response = await fetch(`${endpoint.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
      body: JSON.stringify({ model: options.model, messages: [{ role: 'user', content: prompt }] }),
      signal: stopping.signal,
      redirect: 'manual',
    });
    refuseRedirect(response, endpoint, options.advice);
    if (!response.ok) {
      const failure = await httpFailure(response, endpoint, options.model, options.advice);
      // Every 5xx is worth another try here (a judge's gateway fails transiently with 500 too).
      throw response.status >= 500 && !failure.retriable ? new RemoteEngineError(failure.message, failure.failure, true) : failure;
    }
    let text = '';
    for await (const piece of decoded(response)) {
      text += piece;
      if (text.length > MAX_REPLY_CHARS) throw notOpenAi(`its reply is over ${MAX_REPLY_CHARS.toLocaleString('en')} characters`);
    }
    let body: ChatCompletionBody;
    try {
      body = JSON.parse(text) as ChatCompletionBody;
    } catch {
      throw notOpenAi('its reply is not JSON');
    }
    if (body.error !== undefined && body.error !== null) throw new RemoteEngineError(`${endpoint.host} failed to answer: ${errorText(body)}`, 'server');
    const choice = Array.isArray(body.choices) ? body.choices[0] : undefined;
    if (!choice) throw notOpenAi('its reply has no `choices`');
    const content = choice.message?.content;
    return {
      content: typeof content === 'string' ? content : '',
      finishReason: choice.finish_reason ?? undefined,
      promptTokens: body.usage?.prompt_tokens,
      completionTokens: body.usage?.completion_tokens,
    };
  } catch (error) {
    // The deadline's abort is ours (its reason says what happened); the caller's is theirs.
    throw own.signal.aborted && !signal?.aborted ? own.signal.reason : error;
  } finally {
    clearTimeout(deadline);
    stopping.done();
  }
}
