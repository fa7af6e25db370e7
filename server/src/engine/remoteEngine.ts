/**
 * The remote engine: QED-Nano served by an OpenAI-compatible server (vLLM, SGLang, llama.cpp's
 * llama-server), one or several, behind the same Engine interface as the local one. Nothing is home-made on
 * the server side: those servers already batch, cache prefixes and spread a model over GPUs.
 *
 *  - The prompt is the exact QED-Nano chat format the local engine builds, sent as text to `/completions`
 *    with streaming (document text cannot become a special token: see promptText). An endpoint that has no
 *    `/completions` (404 there) is used through `/chat/completions`, its `reasoning_content` deltas (vLLM's
 *    and SGLang's reasoning parsers) read as thinking.
 *  - Server-sent events are parsed by eventsource-parser (a small, well-kept parser; the HTTP client is
 *    Node's own fetch). Each text delta counts as one token while streaming (vLLM sends one per token); the
 *    final `usage` gives the exact counts. The parser is fed whole lines only (it would scan an unfinished
 *    line again with every chunk: quadratic in a long line), and what a server may send is bounded: one
 *    event at most MAX_EVENT_CHARS, a whole reply at most what its token budget can take (replyCharLimit),
 *    counted after decompression, so a gzip bomb stops as soon as it has inflated that far.
 *  - Cancelling aborts the fetch: the connection closes at once. A request that makes no progress (no new
 *    token) for `timeoutMs` is ended, whatever else the server sends (pings, comments, empty choices), and
 *    every request has a deadline from its budget (requestDeadlineMs), so none holds its slot for ever.
 *  - Redirects are not followed: the prompt holds the user's document, and a redirect would take it to a
 *    host the user never allowed. The request fails with the target named.
 *  - 429, 502, 503, 504, refused or reset connections and timeouts are retried with exponential backoff,
 *    on another endpoint when there is one, as long as nothing of the reply was streamed yet. A server that
 *    answered and then sent no token for `timeoutMs` (only pings, comments or empty events: it is up but
 *    stuck) is tried again only on an endpoint not tried yet, never on itself: the request ends after one
 *    timeout there, not after one per attempt.
 *  - A reply that becomes a repetition loop is stopped as the local engine stops it (on the deltas).
 *  - Every other failure becomes a RemoteEngineError whose message says what happened and what to do. The
 *    API key is sent in the Authorization header only: it never appears in a message or a log line.
 *    Failures, redirects and error bodies are read as every OpenAI-compatible request of QED-Nano reads
 *    them (openAiHttp.ts, shared with `qed-nano grade`'s judge).
 */
import { createParser } from 'eventsource-parser';
import { eitherSignal } from './eitherSignal';
import { EndpointPool, type Endpoint } from './endpointPool';
import { LiveGeneration } from './liveGeneration';
import { LoopDetector } from './loopDetector';
import { boundedText, decoded, describeFailure, errorText, httpFailure, notServed, refuseRedirect, RemoteEngineError, sleep, type RemoteAdvice } from './openAiHttp';
import { asPlainText, promptText, requestPrompt, thinkingMode } from './prompt';
import { GenerationRefusedError, type Engine, type EngineDescription, type GenerationChunk, type GenerationRequest, type GenerationResult, type StopReason } from './types';

export interface RemoteEngineOptions {
  /** OpenAI base URLs (settings.ts endpointUrls normalises them). */
  endpoints: readonly string[];
  model: string;
  apiKey: string | undefined;
  maxConcurrency: number;
  /** Longest wait for the next bytes of a response. */
  timeoutMs: number;
  /** Tries of a request before its failure is reported (default 4). */
  attempts?: number;
  /** First backoff (doubled each retry; default 500 ms). */
  backoffMs?: number;
}

/** Where a user of the remote engine changes what its failure messages ask them to change. */
const REMOTE_ENGINE_ADVICE: RemoteAdvice = {
  endpoints: 'qedNano.remote.endpoints',
  model: 'qedNano.remote.model',
  timeout: 'qedNano.remote.timeoutSeconds',
  apiKey: 'Set the key with QED-Nano: Set API Key for the Remote Engine (other editors and the command line: the QED_NANO_API_KEY environment variable).',
  redirect: 'If that is where the server is now, put it in qedNano.remote.endpoints (you will be asked to allow it).',
  context: 'Shorten the document part sent, or lower qedNano.generation.maxTokens.',
};

const DEFAULT_SAMPLING = { temperature: 0.6, topP: 0.95, topK: 20 };
/** The longest one server-sent event may be (a token's event is a few hundred characters). */
export const MAX_EVENT_CHARS = 1_000_000;
/** Characters a reply of `maxTokens` may take on the wire: generous per token (vLLM's events are ~300). */
export function replyCharLimit(maxTokens: number): number {
  return MAX_EVENT_CHARS + 4096 * (maxTokens + 64);
}
/** How long a request may take in all: its no-progress timeout plus a second per token of its budget. */
export function requestDeadlineMs(timeoutMs: number, maxTokens: number): number {
  return timeoutMs + 1000 * maxTokens;
}

export class RemoteEngine implements Engine {
  readonly pool: EndpointPool;
  private readonly attempts: number;
  private readonly backoffMs: number;

  constructor(private readonly options: RemoteEngineOptions) {
    this.pool = new EndpointPool(options.endpoints, options.maxConcurrency);
    this.attempts = options.attempts ?? 4;
    this.backoffMs = options.backoffMs ?? 500;
  }

  describe(): EngineDescription {
    return { modelName: this.options.model, device: 'remote', remote: this.hosts, adjustments: [] };
  }

  /** `gpu-box:8000`, or `gpu-box:8000 +2` for several endpoints. */
  get hosts(): string {
    const [first, ...rest] = this.pool.endpoints;
    return `${first?.host ?? 'no endpoint'}${rest.length > 0 ? ` +${rest.length}` : ''}`;
  }

  /**
   * Checks the endpoints (GET /models): resolves when at least one is reachable and serves the model; the
   * others are left to rest. Rejects with what is wrong with all of them.
   */
  async check(signal?: AbortSignal): Promise<void> {
    const problems: string[] = [];
    for (const endpoint of this.pool.endpoints) {
      try {
        const models = await this.models(endpoint, signal);
        if (!models.includes(this.options.model)) throw notServed(endpoint, this.options.model, models, REMOTE_ENGINE_ADVICE);
      } catch (error) {
        problems.push(describeFailure(error, endpoint, this.options.timeoutMs, REMOTE_ENGINE_ADVICE).message);
        this.pool.rest(endpoint);
      }
    }
    if (problems.length === this.pool.endpoints.length) {
      const failure = this.pool.endpoints.length === 0 ? undefined : problems.length === 1 ? problems[0]! : `No endpoint can be used: ${problems.join(' ')}`;
      throw new RemoteEngineError(failure ?? 'No remote endpoint is set: add one to qedNano.remote.endpoints.', 'unreachable');
    }
  }

  async generate(request: GenerationRequest, onChunk: (chunk: GenerationChunk) => void, signal?: AbortSignal): Promise<GenerationResult> {
    const live = new LiveGeneration(performance.now(), thinkingMode(request), request.answerPrefix !== undefined);
    const tried = new Set<Endpoint>();
    for (let attempt = 1; ; attempt++) {
      const endpoint = await this.pool.acquire(signal, tried);
      if (!endpoint) return live.result('cancelled');
      try {
        return await this.stream(endpoint, request, live, onChunk, signal);
      } catch (error) {
        if (signal?.aborted) return live.result('cancelled');
        if (error instanceof GenerationRefusedError) throw error;
        const failure = describeFailure(error, endpoint, this.options.timeoutMs, REMOTE_ENGINE_ADVICE);
        if (failure.failure === 'unreachable' || failure.failure === 'timeout') this.pool.rest(endpoint);
        if (!failure.retriable || live.generated > 0 || attempt >= this.attempts) throw failure;
        tried.add(endpoint);
        if (error instanceof Stalled && this.pool.endpoints.every((e) => tried.has(e))) throw failure;
        await sleep(failure.retryAfterMs ?? this.backoffMs * 2 ** (attempt - 1), signal);
      } finally {
        this.pool.release(endpoint);
      }
    }
  }

  async dispose(): Promise<void> {
    // Nothing is held open between requests: a running one ends when its caller aborts it.
  }

  /** One request to one endpoint, streamed into `live`. */
  private async stream(endpoint: Endpoint, request: GenerationRequest, live: LiveGeneration, onChunk: (chunk: GenerationChunk) => void, signal: AbortSignal | undefined): Promise<GenerationResult> {
    const own = new AbortController();
    // Progress is a new token: only that (and the response's headers) puts the no-progress timer back.
    let answered = false;
    const idle = new IdleTimer(this.options.timeoutMs, () => own.abort(answered ? new Stalled() : new RemoteEngineError('', 'timeout', true)));
    const deadlineMs = requestDeadlineMs(this.options.timeoutMs, request.maxTokens);
    const deadline = setTimeout(
      () => own.abort(new RemoteEngineError(`${endpoint.host} did not finish the reply within ${Math.round(deadlineMs / 1000)} s, the most its budget of ${request.maxTokens} tokens allows; it was stopped.`, 'timeout')),
      deadlineMs,
    );
    const stopping = eitherSignal(signal, own.signal);
    const stop = stopping.signal;
    const chat = endpoint.chatOnly;
    try {
      const response = await fetch(`${endpoint.url}/${chat ? 'chat/completions' : 'completions'}`, {
        method: 'POST',
        headers: this.headers({ 'content-type': 'application/json', accept: 'text/event-stream' }),
        body: JSON.stringify(chat ? this.chatBody(request) : this.completionBody(request)),
        signal: stop,
        redirect: 'manual',
      });
      answered = true;
      idle.touch();
      refuseRedirect(response, endpoint, REMOTE_ENGINE_ADVICE);
      if (!response.ok) {
        if (response.status === 404 && !chat && !(await mentionsModel(response))) {
          endpoint.chatOnly = true; // no /completions here: the chat route, at once
          return await this.stream(endpoint, request, live, onChunk, signal);
        }
        throw await httpFailure(response, endpoint, this.options.model, REMOTE_ENGINE_ADVICE, () => this.models(endpoint, signal));
      }
      const stopReason = await this.read(response, endpoint, request, live, onChunk, idle, own);
      live.finish(onChunk);
      return live.result(stopReason);
    } catch (error) {
      // An abort by the idle timer or by the thinking budget is ours; the caller's cancel is theirs.
      if (own.signal.aborted && !signal?.aborted) {
        const reason: unknown = own.signal.reason;
        if (reason instanceof BudgetReached) {
          live.finish(onChunk);
          return live.result('thinkingBudget');
        }
        if (reason instanceof LoopFound) {
          live.loopPeriod = reason.period;
          live.finish(onChunk);
          return live.result('repetitionLoop');
        }
        throw reason;
      }
      throw error;
    } finally {
      idle.stop();
      clearTimeout(deadline);
      stopping.done();
    }
  }

  /** Reads the event stream (or a whole JSON reply from a server that does not stream) into `live`. */
  private async read(
    response: Response,
    endpoint: Endpoint,
    request: GenerationRequest,
    live: LiveGeneration,
    onChunk: (chunk: GenerationChunk) => void,
    idle: IdleTimer,
    own: AbortController,
  ): Promise<StopReason> {
    const notOpenAi = (what: string): RemoteEngineError =>
      new RemoteEngineError(`${endpoint.host} is not an OpenAI-compatible server: ${what}. Check qedNano.remote.endpoints (the base URL ends in /v1).`, 'protocol');
    let stopReason: StopReason | undefined;
    let done = false;
    let sawReasoning = false;
    // The local engine's loop detection, on the deltas (one token each from vLLM) by their text.
    const loops = request.detectLoops === false ? undefined : new LoopDetector();
    const deliver = (text: string): void => {
      idle.touch();
      this.deliver(text, live, onChunk);
      const period = loops?.push(textHash(text));
      if (period !== undefined) own.abort(new LoopFound(period));
    };
    const take = (data: string): void => {
      if (data === '[DONE]') {
        done = true;
        return;
      }
      let event: CompletionEvent;
      try {
        event = JSON.parse(data) as CompletionEvent;
      } catch {
        throw notOpenAi('an event of its stream is not JSON');
      }
      if (event.error) throw new RemoteEngineError(`${endpoint.host} failed while writing the reply: ${errorText(event.error)}`, 'server');
      if (event.usage) {
        live.promptTokens = event.usage.prompt_tokens ?? live.promptTokens;
        live.evaluatedPromptTokens = live.promptTokens - (event.usage.prompt_tokens_details?.cached_tokens ?? 0);
        if (typeof event.usage.completion_tokens === 'number') live.correctGenerated(event.usage.completion_tokens);
      }
      if (!Array.isArray(event.choices)) {
        if (!event.usage) throw notOpenAi('an event has no `choices`');
        return;
      }
      const choice = event.choices[0];
      if (!choice) return;
      const reasoning = choice.delta?.reasoning_content ?? choice.delta?.reasoning ?? undefined;
      const text = choice.text ?? choice.delta?.content ?? choice.message?.content ?? undefined;
      if (typeof reasoning === 'string' && reasoning !== '') {
        sawReasoning = true;
        deliver(reasoning);
      }
      if (typeof text === 'string' && text !== '') {
        // A reasoning parser took the think tags out: the thought closes here, as the local format writes it.
        if (sawReasoning && !live.splitter.answering) live.push('\n</think>\n\n', onChunk);
        deliver(text);
      }
      if (choice.finish_reason) stopReason = choice.finish_reason === 'length' ? 'maxTokens' : 'endOfText';
      if (request.thinkingBudget !== undefined && !live.splitter.answering && live.thinkingTokens >= request.thinkingBudget) own.abort(new BudgetReached());
    };

    const limit = replyCharLimit(request.maxTokens);
    const tooLong = (what: string): RemoteEngineError =>
      new RemoteEngineError(`${endpoint.host} sent ${what}, more than a reply of ${request.maxTokens} tokens can be; the request was stopped. Check what serves ${endpoint.url}.`, 'protocol');
    if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
      // A server that answers the whole reply at once: read up to what the reply can be, no further.
      let body = '';
      for await (const text of decoded(response)) {
        body += text;
        if (body.length > limit) throw tooLong(`a reply of over ${limit.toLocaleString('en')} characters`);
      }
      take(body);
      return stopReason ?? 'endOfText';
    }
    let failure: unknown;
    const parser = createParser({
      onEvent: (event) => {
        if (failure !== undefined || done) return;
        try {
          take(event.data);
        } catch (error) {
          failure = error;
        }
      },
    });
    const lines = new LineBuffer(MAX_EVENT_CHARS);
    let received = 0;
    for await (const text of decoded(response)) {
      received += text.length;
      if (received > limit) throw tooLong(`over ${limit.toLocaleString('en')} characters`);
      const complete = lines.push(text);
      if (complete === undefined) throw tooLong(`an event of over ${MAX_EVENT_CHARS.toLocaleString('en')} characters`);
      if (complete) parser.feed(complete);
      if (failure !== undefined) throw failure;
      if (done) break;
    }
    parser.feed(lines.rest());
    if (failure !== undefined) throw failure;
    if (!done && stopReason === undefined) {
      throw new RemoteEngineError(`${endpoint.host} closed the connection in the middle of the reply${live.generated > 0 ? ` (after ${live.generated} tokens)` : ''}.`, 'unreachable', true);
    }
    return stopReason ?? 'endOfText';
  }

  /** A text delta: one token while streaming (the final usage corrects the count). */
  private deliver(text: string, live: LiveGeneration, onChunk: (chunk: GenerationChunk) => void): void {
    live.countToken();
    live.push(text, onChunk);
  }

  private completionBody(request: GenerationRequest): object {
    return {
      model: this.options.model,
      prompt: promptText(requestPrompt(request)),
      max_tokens: request.maxTokens,
      ...this.sampling(request),
      ...jsonOutput(request.jsonSchema),
      stream: true,
      stream_options: { include_usage: true },
    };
  }

  private chatBody(request: GenerationRequest): object {
    if (request.answerPrefix !== undefined) {
      throw new GenerationRefusedError('Suggestions continue a text, which needs the /completions route; this server offers only /chat/completions.');
    }
    return {
      model: this.options.model,
      // Document text that looks like a special token stays text here too (the server's chat template would
      // otherwise read it as one), as on the /completions route.
      messages: request.messages.map((m) => ({ role: m.role, content: asPlainText(m.content) })),
      max_tokens: request.maxTokens,
      ...this.sampling(request),
      ...jsonOutput(request.jsonSchema),
      ...(thinkingMode(request) === 'closed' ? { chat_template_kwargs: { enable_thinking: false } } : {}),
      stream: true,
      stream_options: { include_usage: true },
    };
  }

  private sampling(request: GenerationRequest): object {
    const sampling = { ...DEFAULT_SAMPLING, ...request.sampling };
    return { temperature: sampling.temperature, top_p: sampling.topP, top_k: sampling.topK, ...(sampling.seed !== undefined ? { seed: sampling.seed } : {}) };
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    return { ...extra, ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}) };
  }

  /** The model ids an endpoint lists at GET /models. */
  private async models(endpoint: Endpoint, signal?: AbortSignal): Promise<string[]> {
    const own = new AbortController();
    const timer = setTimeout(() => own.abort(new RemoteEngineError('', 'timeout', true)), this.options.timeoutMs);
    const stopping = eitherSignal(signal, own.signal);
    try {
      const response = await fetch(`${endpoint.url}/models`, { headers: this.headers({ accept: 'application/json' }), signal: stopping.signal, redirect: 'manual' });
      refuseRedirect(response, endpoint, REMOTE_ENGINE_ADVICE);
      if (!response.ok) throw await httpFailure(response, endpoint, this.options.model, REMOTE_ENGINE_ADVICE);
      const body = (await response.json().catch(() => undefined)) as { data?: { id?: unknown }[] } | undefined;
      if (!Array.isArray(body?.data)) {
        throw new RemoteEngineError(`${endpoint.host} is not an OpenAI-compatible server: /models does not list models. Check qedNano.remote.endpoints (the base URL ends in /v1).`, 'protocol');
      }
      return body.data.map((m) => m.id).filter((id): id is string => typeof id === 'string');
    } catch (error) {
      throw own.signal.aborted && !signal?.aborted ? own.signal.reason : error;
    } finally {
      clearTimeout(timer);
      stopping.done();
    }
  }
}

interface CompletionEvent {
  choices?: {
    text?: string;
    delta?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null };
    message?: { content?: string | null };
    finish_reason?: string | null;
  }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } | null } | null;
  error?: unknown;
}

/** The thinking budget ran out: the request is ended on purpose. */
class BudgetReached extends Error {}

/** The reply became a repetition loop: the request is ended on purpose. */
class LoopFound extends Error {
  constructor(readonly period: number) {
    super('repetition loop');
  }
}

/** A delta's text as a number for the loop detector (FNV-1a, 32 bits). */
function textHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * Splits a stream into whole lines without scanning anything twice: each chunk is searched once for its
 * last line break; what follows it waits (as pieces, joined once) for the next break. An unfinished line
 * longer than `maxLine` is refused.
 */
class LineBuffer {
  private pieces: string[] = [];
  private pending = 0;

  constructor(private readonly maxLine: number) {}

  /** The text up to and including the last line break so far ('' when none yet); undefined when the
   * unfinished line has grown past the limit. */
  push(text: string): string | undefined {
    const end = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
    if (end < 0) {
      this.pieces.push(text);
      this.pending += text.length;
      return this.pending > this.maxLine ? undefined : '';
    }
    const complete = this.pieces.join('') + text.slice(0, end + 1);
    this.pieces = [text.slice(end + 1)];
    this.pending = text.length - end - 1;
    return complete;
  }

  /** What is left after the last line break (the stream ended). */
  rest(): string {
    const rest = this.pieces.join('');
    this.pieces = [];
    this.pending = 0;
    return rest;
  }
}

/** The server answered but sent no new token for the timeout: up but stuck, not worth waiting for again. */
class Stalled extends RemoteEngineError {
  constructor() {
    super('', 'timeout', true);
  }
}

/** Calls `onIdle` when `touch` has not been called for `ms`. */
class IdleTimer {
  private readonly timer: NodeJS.Timeout;
  constructor(ms: number, onIdle: () => void) {
    this.timer = setTimeout(onIdle, ms);
  }
  touch(): void {
    this.timer.refresh();
  }
  stop(): void {
    clearTimeout(this.timer);
  }
}

/**
 * JSON output through the servers' guided decoding: `response_format` (OpenAI's, which vLLM and
 * llama-server read), `guided_json` (vLLM's own) and `json_schema` (SGLang's and llama-server's).
 */
function jsonOutput(schema: object | undefined): object {
  if (!schema) return {};
  return { response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } }, guided_json: schema, json_schema: schema };
}

/** Whether a 404's body is about the model (rather than a missing route). */
async function mentionsModel(response: Response): Promise<boolean> {
  const text = await boundedText(response.clone());
  return /model/i.test(text);
}
