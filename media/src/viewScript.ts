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
