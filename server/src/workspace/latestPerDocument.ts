/** One piece of work per document at a time, the newest: starting one ends the one running for the same
 * document (a newer inline completion ends the older). */
export class LatestPerDocument {
  private readonly running = new Map<string, AbortController>();

  /** Ends `uri`'s running work and starts this one: `superseded` fires when a newer one starts; call
   * `done` when it ends. */
  start(uri: string): { superseded: AbortSignal; done(): void } {
    this.running.get(uri)?.abort();
    const controller = new AbortController();
    this.running.set(uri, controller);
    return {
      superseded: controller.signal,
      done: () => {
        if (this.running.get(uri) === controller) this.running.delete(uri);
      },
    };
  }
}
