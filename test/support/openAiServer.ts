/**
 * A local stand-in for vLLM: the OpenAI-compatible HTTP API as vLLM documents it (`GET /v1/models`,
 * `POST /v1/completions`, `POST /v1/chat/completions` with `reasoning_content` deltas as its reasoning
 * parser sends them; SSE `data:` events, `[DONE]`, `usage` with `stream_options.include_usage`, OpenAI
 * error bodies), generating with node-llama-cpp and the tiny model: real generation behind the real
 * protocol. No GPU server can run here; this is the part of the remote engine's world that is mocked.
 *
 * Tests inject faults in order (each generation request takes the next one): an HTTP status with an
 * OpenAI error body, a malformed stream, a connection reset after some events, a server that sends headers
 * and then nothing, or one that never answers. Every request is recorded, with when its connection closed.
 *
 * Run alone (for the VS Code tests and the bench): `node --import tsx test/support/openAiServer.ts
 * --model FILE [--port N] [--key KEY] [--scripts JSON]`; it prints its base URL on its first line.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import { promptText, qedNanoPrompt } from '../../server/src/engine/prompt';
import type { ChatMessage } from '../../server/src/engine/types';
import { SCRIPT_BIAS } from '../../server/src/engine/scriptedOutput';

export type Fault =
  | { kind: 'status'; status: number; message?: string; retryAfterSeconds?: number }
  /** An event whose data is not JSON. */
  | { kind: 'malformed' }
  /** The socket is destroyed after this many events. */
  | { kind: 'reset'; afterEvents: number }
  /** Headers, then nothing, for ever (slowloris). */
  | { kind: 'silent' }
  /** Not even headers. */
  | { kind: 'hang' }
  /** One event `chars` long with no line break, written `chunk` characters at a time (gzip: compressed,
   * sent with Content-Encoding: gzip, so it inflates on the client: a bomb). Then the connection stays open. */
  | { kind: 'longLine'; chars: number; chunk?: number; gzip?: boolean }
  /** Events that carry no token, for ever: empty `choices`, or SSE comments; `afterText`: one text delta
   * first (keep-alive pings after some text). */
  | { kind: 'noProgress'; events: 'emptyChoices' | 'comments'; afterText?: boolean }
  /** A redirect to `location` (the request is not served). */
  | { kind: 'redirect'; status: 301 | 302 | 307 | 308; location: string };

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown> | undefined;
  receivedAt: number;
  /** When the client closed the connection before the reply ended (performance.now()). */
  closedEarlyAt?: number;
  /** Generated tokens written to the reply so far (a count of the server's work, read while it streams). */
  tokensSent: number;
}

export interface OpenAiServerOptions {
  modelPath: string;
  /** The id /v1/models lists (default: lm-provers/QED-Nano). */
  modelName?: string;
  /** When set, requests without `Authorization: Bearer <key>` get 401. */
  apiKey?: string;
  /** Successive replies are these texts exactly (the last repeats); otherwise the model samples. */
  scripts?: string[];
  /** Answer 404 to /v1/completions, as a server that offers only chat completions. */
  chatOnly?: boolean;
  sequences?: number;
  port?: number;
  /** Streams at most this many tokens per second, as a remote GPU server does whatever the client's machine
   * (the bench: then the client's CPU is not also the model's). */
  tokensPerSecond?: number;
}

export class OpenAiTestServer {
  readonly requests: RecordedRequest[] = [];
  readonly faults: Fault[] = [];
  private readonly free: LlamaContextSequence[];
  private readonly sockets = new Set<Socket>();
  private scriptIndex = 0;

  private constructor(
    private readonly server: Server,
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly options: OpenAiServerOptions,
  ) {
    this.free = Array.from({ length: context.totalSequences }, () => context.getSequence());
  }

  static async start(options: OpenAiServerOptions): Promise<OpenAiTestServer> {
    const { getLlama } = await import('node-llama-cpp');
    const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1 });
    const model = await llama.loadModel({ modelPath: options.modelPath });
    const context = await model.createContext({ contextSize: 4096, sequences: options.sequences ?? 4, threads: 1, batchSize: 512 });
    const server = createServer();
    const instance = new OpenAiTestServer(server, llama, model, context, options);
    server.on('request', (request, response) => void instance.handle(request, response));
    server.on('connection', (socket) => {
      instance.sockets.add(socket);
      socket.on('close', () => instance.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
    return instance;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** Generation requests (completions and chat), in order. */
  get generations(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST');
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '').replace(/\?.*$/, '');
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> | undefined;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      return error(response, 400, 'The request body is not JSON.');
    }
    const recorded: RecordedRequest = { method: request.method ?? '', path, authorization: request.headers.authorization, body, receivedAt: performance.now(), tokensSent: 0 };
    this.requests.push(recorded);
    if (this.options.apiKey && request.headers.authorization !== `Bearer ${this.options.apiKey}`) return error(response, 401, 'Invalid API key.', 'authentication_error');
    const name = this.options.modelName ?? 'lm-provers/QED-Nano';
    if (request.method === 'GET' && path === '/v1/models') {
      return json(response, 200, { object: 'list', data: [{ id: name, object: 'model', owned_by: 'vllm' }] });
    }
    const chat = path === '/v1/chat/completions';
    if (request.method !== 'POST' || !(chat || path === '/v1/completions') || (!chat && this.options.chatOnly)) return error(response, 404, 'Not Found', 'NotFoundError');
    if (body?.model !== name) return error(response, 404, `The model \`${String(body?.model)}\` does not exist.`, 'NotFoundError');
    const fault = this.faults.shift();
    if (fault?.kind === 'status') {
      if (fault.retryAfterSeconds !== undefined) response.setHeader('retry-after', String(fault.retryAfterSeconds));
      return error(response, fault.status, fault.message ?? `Injected HTTP ${fault.status}.`);
    }
    if (fault?.kind === 'hang') return; // the client's own timeout must end it
    if (fault?.kind === 'redirect') return void response.writeHead(fault.status, { location: fault.location }).end();
    response.on('close', () => {
      if (!response.writableFinished) recorded.closedEarlyAt = performance.now();
    });
    const gzip = fault?.kind === 'longLine' && fault.gzip === true;
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    response.flushHeaders();
    if (fault?.kind === 'silent') return;
    if (fault?.kind === 'longLine') return this.longLine(response, fault.chars, fault.chunk ?? 65_536, fault.gzip === true);
    if (fault?.kind === 'noProgress') return this.noProgress(response, fault.events, fault.afterText === true);
    if (fault?.kind === 'malformed') return void response.end('data: {"choices": [ this is not json\n\n');
    await this.generate(body, chat, response, recorded, fault?.kind === 'reset' ? fault.afterEvents : undefined);
  }

  /** `data: aaaa…` with no end of line, as a broken or hostile server might send it. */
  private async longLine(response: ServerResponse, chars: number, chunk: number, gzip: boolean): Promise<void> {
    if (gzip) {
      // Compressed in pieces, so the test never holds the inflated line in memory.
      const { createGzip } = await import('node:zlib');
      const zip = createGzip({ level: 9 });
      zip.pipe(response);
      const piece = 'a'.repeat(1 << 20);
      for (let sent = 0; sent < chars && !response.destroyed; sent += piece.length) {
        if (!zip.write(piece)) await new Promise((resolve) => zip.once('drain', resolve));
      }
      return;
    }
    response.write('data: ');
    const piece = 'a'.repeat(chunk);
    for (let sent = 0; sent < chars && !response.destroyed; sent += chunk) {
      if (!response.write(piece)) await new Promise((resolve) => response.once('drain', resolve));
    }
  }

  /** Events without a token, every 20 ms, until the client goes. */
  private async noProgress(response: ServerResponse, events: 'emptyChoices' | 'comments', afterText: boolean): Promise<void> {
    if (afterText) response.write(`data: ${JSON.stringify({ id: 'cmpl-x', object: 'text_completion', choices: [{ index: 0, text: 'Some text', finish_reason: null }] })}\n\n`);
    while (!response.destroyed) {
      response.write(events === 'comments' ? ': ping\n\n' : `data: ${JSON.stringify({ id: 'cmpl-x', object: 'text_completion', choices: [] })}\n\n`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Streams a generation for the request body as vLLM would. */
  private async generate(body: Record<string, unknown>, chat: boolean, response: ServerResponse, recorded: RecordedRequest, resetAfter: number | undefined): Promise<void> {
    const prompt = chat ? promptText(qedNanoPrompt(body.messages as ChatMessage[], closedThinking(body) ? 'closed' : 'open')) : String(body.prompt ?? '');
    const tokens = this.model.tokenize(prompt, true);
    const sequence = this.free.pop();
    if (!sequence) return void response.end(`data: ${JSON.stringify({ error: { message: 'no free sequence', type: 'InternalServerError', code: 500 } })}\n\n`);
    const id = `cmpl-${this.requests.length}`;
    const script = this.options.scripts?.[Math.min(this.scriptIndex++, this.options.scripts.length - 1)];
    const scriptTokens = script === undefined ? undefined : this.model.tokenize(script, true);
    const maxTokens = Number(body.max_tokens ?? 256);
    const { TokenBias, LlamaGrammarEvaluationState } = await import('node-llama-cpp');
    const schema = (body.guided_json ?? body.json_schema) as object | undefined;
    const grammar = schema ? await this.llama.createGrammarForJsonSchema(schema as never) : undefined;
    let events = 0;
    const send = (payload: object): boolean => {
      if (response.destroyed) return false;
      if (resetAfter !== undefined && events >= resetAfter) {
        response.socket?.destroy();
        return false;
      }
      events++;
      response.write(`data: ${JSON.stringify(payload)}\n\n`);
      return true;
    };
    let step = 0;
    let generated = 0;
    let finish: 'stop' | 'length' = 'stop';
    let text = '';
    let reasoning = !closedThinking(body);
    const previous: Token[] = [];
    const pending: Token[] = [];
    try {
      await sequence.clearHistory();
      const iterator = sequence.evaluate(tokens, {
        temperature: scriptTokens ? 0 : Number(body.temperature ?? 0.6),
        topP: Number(body.top_p ?? 0.95),
        topK: Number(body.top_k ?? 20),
        ...(typeof body.seed === 'number' ? { seed: body.seed } : {}),
        ...(scriptTokens
          ? {
              tokenBias: () => {
                const bias = new TokenBias(this.model.tokenizer);
                const next = scriptTokens[step++];
                if (next !== undefined) bias.set(next, SCRIPT_BIAS);
                return bias;
              },
            }
          : {}),
        ...(grammar ? { grammarEvaluationState: new LlamaGrammarEvaluationState({ model: this.model, grammar }) } : {}),
      });
      const started = performance.now();
      const pace = this.options.tokensPerSecond;
      for await (const token of iterator) {
        if (pace) {
          const due = started + (generated * 1000) / pace;
          if (due > performance.now()) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
        }
        if (response.destroyed) break;
        if (this.model.isEogToken(token)) break;
        generated++;
        // Incremental detokenization as vLLM does it: a UTF-8 character split over tokens goes out whole.
        pending.push(token);
        const piece = this.model.detokenize(pending, true, previous);
        if (piece.endsWith('\uFFFD') && pending.length < 8) continue;
        previous.push(...pending);
        previous.splice(0, Math.max(0, previous.length - 4));
        pending.length = 0;
        text += piece;
        let delta: object | undefined;
        if (chat && reasoning && piece.includes('</think>')) {
          // vLLM's reasoning parser: the tag ends the reasoning; what follows is the answer.
          reasoning = false;
          const after = piece.slice(piece.indexOf('</think>') + '</think>'.length);
          if (after) delta = { content: after };
        } else if (chat) delta = reasoning ? { reasoning_content: piece } : { content: piece };
        const payload = chat
          ? { id, object: 'chat.completion.chunk', model: body.model, choices: [{ index: 0, delta, finish_reason: null }] }
          : { id, object: 'text_completion', model: body.model, choices: [{ index: 0, text: piece, logprobs: null, finish_reason: null }] };
        if ((!chat || delta) && !send(payload)) break;
        recorded.tokensSent = generated;
        if (grammar && isCompleteJson(text.slice(text.lastIndexOf('</think>') + 1))) break;
        if (generated >= maxTokens) {
          finish = 'length';
          break;
        }
      }
      if (response.destroyed) return;
      const end = chat ? { delta: {}, finish_reason: finish } : { text: '', finish_reason: finish };
      if (!send({ id, object: chat ? 'chat.completion.chunk' : 'text_completion', model: body.model, choices: [{ index: 0, ...end }] })) return;
      const include = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      if (include) send({ id, choices: [], usage: { prompt_tokens: tokens.length, completion_tokens: generated, total_tokens: tokens.length + generated } });
      response.end('data: [DONE]\n\n');
    } finally {
      this.free.push(sequence);
    }
  }
}

function closedThinking(body: Record<string, unknown>): boolean {
  return (body.chat_template_kwargs as { enable_thinking?: boolean } | undefined)?.enable_thinking === false;
}

function isCompleteJson(text: string): boolean {
  try {
    JSON.parse(text.trim());
    return text.trim().endsWith('}');
  } catch {
    return false;
  }
}

function json(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** An error as vLLM's OpenAI server sends it. */
function error(response: ServerResponse, status: number, message: string, type = 'BadRequestError'): void {
  json(response, status, { object: 'error', message, type, param: null, code: status, error: { message, type, code: status } });
}

if (process.argv[1] && /openAiServer\.ts$/.test(process.argv[1])) {
  const arg = (name: string): string | undefined => {
    const at = process.argv.indexOf(`--${name}`);
    return at > 0 ? process.argv[at + 1] : undefined;
  };
  const modelPath = arg('model');
  if (!modelPath) throw new Error('--model FILE is required');
  const scripts = arg('scripts');
  void OpenAiTestServer.start({
    modelPath,
    ...(arg('port') ? { port: Number(arg('port')) } : {}),
    ...(arg('key') ? { apiKey: arg('key')! } : {}),
    ...(scripts ? { scripts: JSON.parse(scripts) as string[] } : {}),
  }).then((server) => {
    console.log(server.url);
    const stop = (): void => void server.stop().then(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
