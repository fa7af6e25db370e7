/**
 * A signal that aborts as soon as any of its sources does (with that source's reason), detached from them
 * by `done()`. Used instead of Node 20's `AbortSignal.any`, which keeps about 3 KB alive per combined
 * signal even after both sources are gone (measured: 600 generations through the engine grew the heap by
 * 3,480 bytes each with it, 417 without) — on a path every model request takes.
 */
export interface EitherSignal {
  readonly signal: AbortSignal;
  /** Detaches from the sources; call it when the work the signal guards has ended. */
  done(): void;
}

export function eitherSignal(...sources: (AbortSignal | undefined)[]): EitherSignal {
  const combined = new AbortController();
  const present = sources.filter((s): s is AbortSignal => s !== undefined);
  const already = present.find((s) => s.aborted);
  if (already) {
    combined.abort(already.reason);
    return { signal: combined.signal, done: () => undefined };
  }
  const listeners = present.map((source) => {
    const onAbort = (): void => combined.abort(source.reason);
    source.addEventListener('abort', onAbort, { once: true });
    return () => source.removeEventListener('abort', onAbort);
  });
  return { signal: combined.signal, done: () => listeners.forEach((detach) => detach()) };
}
