/**
 * A stand-in for a grading judge: an OpenAI-compatible `POST /v1/chat/completions` on 127.0.0.1 that
 * answers with whatever the test scripts, in OpenAI's wire format (a `chat.completion` object with
 * `choices[0].message.content`, `finish_reason` and `usage`; errors as `{error: {message, type, code}}`).
 * No model behind it: `qed-nano grade` only needs the judge's words, and the test chooses them per request.
 *
 * Every request is recorded with whether it was answered, so a test can count what was graded. A reply
 * may be held (a promise that settles later, or never): the client then waits, as on a slow judge.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type JudgeReply =
  | { content: string; finishReason?: 'stop' | 'length' }
  | { status: number; message?: string; retryAfterSeconds?: number }
  | { redirect: string }
  /** A body that is not JSON. */
  | { raw: string }
  /** The connection is destroyed without an answer. */
  | { reset: true };

export interface JudgeRequest {
  authorization: string | undefined;
  model: unknown;
  /** The content of the single user message (the grader prompt). */
  prompt: string;
  /** Whether a reply was written (false while held, or when the client went away first). */
  answered: boolean;
}

export interface JudgeServerOptions {
  /** The model the stand-in serves (others get OpenAI's 404). */
  model: string;
  /** When set, requests without `Authorization: Bearer <key>` get OpenAI's 401. */
  apiKey?: string;
  /** The reply to a request (its index counts every request, from 0). */
  respond: (request: JudgeRequest, index: number) => JudgeReply | Promise<JudgeReply>;
}

export class JudgeServer {
  readonly requests: JudgeRequest[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly options: JudgeServerOptions,
  ) {}

  static async start(options: JudgeServerOptions): Promise<JudgeServer> {
    const server = createServer();
    const instance = new JudgeServer(server, options);
    server.on('request', (request, response) => void instance.handle(request, response));
    server.on('connection', (socket) => {
      instance.sockets.add(socket);
      socket.on('close', () => instance.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return instance;
  }

  /** The OpenAI base URL. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  get answered(): JudgeRequest[] {
    return this.requests.filter((r) => r.answered);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (request.method !== 'POST' || request.url !== '/v1/chat/completions') return error(response, 404, 'Not Found', 'not_found');
    let body: { model?: unknown; messages?: { role?: string; content?: string }[] };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      return error(response, 400, 'We could not parse the JSON body of your request.', 'invalid_request_error');
    }
    const recorded: JudgeRequest = { authorization: request.headers.authorization, model: body.model, prompt: body.messages?.[0]?.content ?? '', answered: false };
    const index = this.requests.push(recorded) - 1;
    if (this.options.apiKey && request.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      recorded.answered = true;
      return error(response, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    }
    if (body.model !== this.options.model) {
      recorded.answered = true;
      return error(response, 404, `The model \`${String(body.model)}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found');
    }
    const reply = await this.options.respond(recorded, index);
    if (response.destroyed) return;
    recorded.answered = true;
    if ('reset' in reply) return void response.socket?.destroy();
    if ('redirect' in reply) return void response.writeHead(307, { location: reply.redirect }).end();
    if ('raw' in reply) return void response.writeHead(200, { 'content-type': 'text/html' }).end(reply.raw);
    if ('status' in reply) {
      if (reply.retryAfterSeconds !== undefined) response.setHeader('retry-after', String(reply.retryAfterSeconds));
      return error(response, reply.status, reply.message ?? `Injected HTTP ${reply.status}.`, 'server_error');
    }
    const promptTokens = Math.ceil(recorded.prompt.length / 4);
    const completionTokens = Math.ceil(reply.content.length / 4);
    json(response, 200, {
      id: `chatcmpl-${index}`,
      object: 'chat.completion',
      created: 1_700_000_000 + index,
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: reply.content, refusal: null }, logprobs: null, finish_reason: reply.finishReason ?? 'stop' }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    });
  }
}

function json(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** An error as OpenAI's API sends it. */
function error(response: ServerResponse, status: number, message: string, type: string, code: string | null = null): void {
  json(response, status, { error: { message, type, param: null, code } });
}
