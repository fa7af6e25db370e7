/**
 * The remote engine's endpoints and how work is spread over them: each endpoint takes up to
 * `maxConcurrency` requests at once (its continuous batching does the rest), a request goes to the least
 * busy endpoint that has room, and waits in line (first come, first served) when none has. An endpoint that
 * failed at the connection level rests for a while, so its work moves to the others.
 */

export interface Endpoint {
  /** The OpenAI base URL, e.g. `http://gpu-box:8000/v1`. */
  readonly url: string;
  /** `host:port`, for the status bar and messages. */
  readonly host: string;
  active: number;
  /** Until when (performance.now()) it is not given new work after a failure. */
  restingUntil: number;
  /** It answered 404 to `/completions`: it is reached through `/chat/completions` only. */
  chatOnly: boolean;
}

/** How long an endpoint that could not be reached is left out. */
const REST_MS = 10_000;

export class EndpointPool {
  readonly endpoints: readonly Endpoint[];
  private readonly waiting: (() => void)[] = [];

  constructor(
    urls: readonly string[],
    private readonly maxConcurrency: number,
  ) {
    this.endpoints = urls.map((url) => ({ url, host: new URL(url).host, active: 0, restingUntil: 0, chatOnly: false }));
  }

  /**
   * An endpoint with room, preferring ones not in `avoid` (those a request already failed on) and not
   * resting; waits for room when every endpoint is full. Undefined when `signal` fires first.
   */
  async acquire(signal: AbortSignal | undefined, avoid: ReadonlySet<Endpoint> = new Set()): Promise<Endpoint | undefined> {
    for (;;) {
      if (signal?.aborted) return undefined;
      const chosen = this.pick(avoid);
      if (chosen) {
        chosen.active++;
        return chosen;
      }
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.waiting.push(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }

  release(endpoint: Endpoint): void {
    endpoint.active--;
    this.waiting.shift()?.();
  }

  /** The endpoint could not be reached or reset the connection: new work goes elsewhere for a while. */
  rest(endpoint: Endpoint): void {
    endpoint.restingUntil = performance.now() + REST_MS;
  }

  private pick(avoid: ReadonlySet<Endpoint>): Endpoint | undefined {
    const now = performance.now();
    const open = this.endpoints.filter((e) => e.active < this.maxConcurrency);
    const rank = (e: Endpoint): number => (avoid.has(e) ? 2 : 0) + (e.restingUntil > now ? 1 : 0);
    return open.sort((a, b) => rank(a) - rank(b) || a.active - b.active)[0];
  }
}
