/**
 * What every side-panel view script shares: the VS Code webview API (typed by the view's state and the
 * messages it posts), element lookup, and painting at most once per animation frame.
 */

export interface VsCodeApi<State, Out> {
  postMessage(message: Out): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi(): VsCodeApi<unknown, unknown>;

/** The webview API (it may be acquired once per page). */
export function viewApi<State, Out>(): VsCodeApi<State, Out> {
  return acquireVsCodeApi() as VsCodeApi<State, Out>;
}

export function element<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

/** A `schedule()` that runs `paint` on the next animation frame, once however often it is called. */
export function frameScheduler(paint: () => void): () => void {
  let frame: number | undefined;
  return () => {
    frame ??= requestAnimationFrame(() => {
      frame = undefined;
      paint();
    });
  };
}

/**
 * A view's state and how the extension's messages change it: one definition, run by the view's script and
 * by its host in the extension (client/src/webviewHost.ts), which keeps a copy to restore the view with.
 */
export interface ViewModel<State, ToView> {
  /** What a view that was told nothing shows. */
  readonly initial: State;
  /** What `message` makes of `state` (a new object; `state` is not changed). `now`: the clock, for timings. */
  reduce(state: State, message: ToView, now: number): State;
  /** The one message that makes a freshly loaded page show `state`. */
  restore(state: State): ToView;
}

/** Tells the extension that the page's script runs (and marks the page so for the tests): the extension then
 * restores the view's state. Call it once, last, when the script has set everything up. */
export function announceReady<Out>(api: VsCodeApi<unknown, Out>, ready: Out): void {
  document.documentElement.dataset.qedView = 'running';
  api.postMessage(ready);
}

/** "1 token", "1,204 tokens": the one way the views write a token count. */
export function tokenCount(tokens: number): string {
  return `${tokens.toLocaleString('en-US')} token${tokens === 1 ? '' : 's'}`;
}
