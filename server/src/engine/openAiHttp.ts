/**
 * What every request of QED-Nano to an OpenAI-compatible server shares, whatever it asks: the failure the
 * user reads (RemoteEngineError: what happened and what to change, never the API key), redirects refused
 * with their target named (the request holds the user's text, which goes to no host the user did not
 * name), error bodies read only so far, and the wait between tries. The remote engine (remoteEngine.ts,
 * QED-Nano's own generations, streamed) and `qed-nano grade`'s judge (chatCompletion.ts, one reply at
 * once) both use it; each says in a RemoteAdvice where its user changes what a message asks them to change.
 */
import type { Endpoint } from './endpointPool';
import { UserFacingError } from '../errors';
import { GenerationRefusedError } from './types';

/** Where the user changes what a failure message asks them to change, each in the words of its client. */
export interface RemoteAdvice {
  /** What names the endpoints (a setting, a flag). */
  endpoints: string;
  /** What names the model. */
  model: string;
  /** What sets how long a request may go without progress. */
  timeout: string;
  /** How to give the API key: a sentence. */
  apiKey: string;
  /** What to do when a redirect's target is where the server really is now: a sentence. */
  redirect: string;
  /** What to do when a request does not fit the server's context: a sentence. */
  context: string;
}

/** Only the host (and port) of an endpoint is named in messages. */
type Named = Pick<Endpoint, 'host'>;

export type RemoteFailure = 'unreachable' | 'tls' | 'auth' | 'model' | 'protocol' | 'server' | 'timeout' | 'busy';

/** A remote request failed; the message is the sentence the user reads (never the API key). */
export class RemoteEngineError extends UserFacingError {
  constructor(
    message: string,
    readonly failure: RemoteFailure,
    /** Worth trying again (on another endpoint), if nothing of the reply was streamed yet. */
    readonly retriable = false,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** The most of an error body that is read (a misbehaving server may send megabytes). */
const ERROR_BODY_LIMIT = 16_384;

/** A redirect is refused, naming where it pointed (document text goes only to the endpoints allowed). */
export function refuseRedirect(response: Response, endpoint: Named, advice: RemoteAdvice): void {
  if (response.status < 300 || response.status > 399) return;
  const target = response.headers.get('location') ?? 'an address it did not give';
  void response.body?.cancel().catch(() => undefined);
  throw new RemoteEngineError(
    `${endpoint.host} redirected the request to ${target}; QED-Nano does not follow redirects, so your document text goes only to the endpoints you allowed. ${advice.redirect}`,
    'protocol',
  );
}

/** The response body as text, decoded (and, by fetch, decompressed) chunk by chunk. */
export async function* decoded(response: Response): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) yield decoder.decode(bytes, { stream: true });
  yield decoder.decode();
}

/** An HTTP error status as the failure the user reads. */
export async function httpFailure(response: Response, endpoint: Named, model: string, advice: RemoteAdvice, listModels?: () => Promise<string[]>): Promise<RemoteEngineError> {
  const said = errorText(parseJson(await boundedText(response)));
  const status = response.status;
  const retryAfter = Number(response.headers.get('retry-after'));
  const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 60) * 1000 : undefined;
  if (status === 401 || status === 403) {
    return new RemoteEngineError(
      `${endpoint.host} rejected the API key (HTTP ${status}${said ? `: ${said}` : ''}). ${advice.apiKey}`,
      'auth',
    );
  }
  if (status === 404 && listModels) {
    const models = await listModels().catch(() => undefined);
    if (models && !models.includes(model)) return notServed(endpoint, model, models, advice);
  }
  if (status === 400 && /context|too long|maximum.*length|max_tokens|exceed/i.test(said)) {
    return new RemoteEngineError(`The request does not fit the context of ${endpoint.host}: ${said}. ${advice.context}`, 'server');
  }
  if (status === 429 || status === 502 || status === 503 || status === 504) {
    return new RemoteEngineError(`${endpoint.host} is busy or unavailable (HTTP ${status}${said ? `: ${said}` : ''}); tried again, then gave up. Try again later.`, 'busy', true, retryAfterMs);
  }
  return new RemoteEngineError(`${endpoint.host} answered HTTP ${status}${said ? `: ${said}` : ''}.`, status === 404 ? 'protocol' : 'server');
}

/** The endpoint answers, but not for `model`: the models it does serve. */
export function notServed(endpoint: Named, model: string, models: readonly string[], advice: RemoteAdvice): RemoteEngineError {
  return new RemoteEngineError(`${endpoint.host} does not serve ${model}; it serves ${models.length > 0 ? models.join(', ') : 'no model'}. Set ${advice.model} to one of those.`, 'model');
}

/** Any failure of a request to `endpoint` as a RemoteEngineError with the sentence the user reads. */
export function describeFailure(error: unknown, endpoint: Named, timeoutMs: number, advice: RemoteAdvice): RemoteEngineError {
  if (error instanceof RemoteEngineError) {
    if (error.failure === 'timeout' && error.message === '') {
      return new RemoteEngineError(`${endpoint.host} sent no new token for ${Math.round(timeoutMs / 1000)} s; the request was ended (${advice.timeout}).`, 'timeout', true);
    }
    return error;
  }
  if (error instanceof GenerationRefusedError) return new RemoteEngineError(error.message, 'server');
  const cause = (error as { cause?: { code?: string; message?: string; reason?: string } } | undefined)?.cause;
  const code = cause?.code ?? (error as { code?: string } | undefined)?.code ?? '';
  // OpenSSL's own reason ("wrong version number") rather than its multi-line dump.
  const detail = (cause?.reason ?? cause?.message ?? (error instanceof Error ? error.message : String(error))).split('\n')[0]!.trim();
  if (/CERT|SSL|TLS|ERR_TLS|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME_MISMATCH/i.test(`${code} ${detail}`)) {
    return new RemoteEngineError(`The TLS connection to ${endpoint.host} failed: ${detail}. Check the server's certificate, or the URL's scheme (http or https).`, 'tls');
  }
  if (/ECONNRESET|UND_ERR_SOCKET|EPIPE|terminated|other side closed/i.test(`${code} ${detail}`)) {
    return new RemoteEngineError(`${endpoint.host} reset the connection.`, 'unreachable', true);
  }
  if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|UND_ERR_CONNECT/i.test(`${code} ${detail}`)) {
    return new RemoteEngineError(`${endpoint.host} cannot be reached (${code || detail}). Check that the server runs and ${advice.endpoints}.`, 'unreachable', true);
  }
  return new RemoteEngineError(`The request to ${endpoint.host} failed: ${detail}.`, 'server');
}

/** At most ERROR_BODY_LIMIT characters of a body (an error's: enough to say what went wrong). */
export async function boundedText(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < ERROR_BODY_LIMIT) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // What arrived is enough to say what went wrong.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return text.slice(0, ERROR_BODY_LIMIT);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.trim();
  }
}

/** The message of an OpenAI-style error body (`{error: {message}}`, `{message}`, `{detail}`), one line. */
export function errorText(body: unknown): string {
  const value = body as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown } | string | undefined;
  const text =
    typeof value === 'string'
      ? value
      : typeof value?.error === 'string'
        ? value.error
        : typeof value?.error?.message === 'string'
          ? value.error.message
          : typeof value?.message === 'string'
            ? value.message
            : typeof value?.detail === 'string'
              ? value.detail
              : '';
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

/** Waits `ms`, or less when `signal` fires. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
