/**
 * The webview load watchdog, with no VS Code in it (unit-tested with fake timers in
 * test/unit/ready-watchdog.test.ts). VS Code's webviews can lose a race with their service worker in a
 * fresh profile (microsoft/vscode#125993): the page then comes up without its script and styles, or not at
 * all, and never says `ready`. When no `ready` comes in time, the watchdog takes the next step, waiting
 * longer each time: it sets the page again, then has VS Code reload its webviews (what collapsing and
 * expanding the view does by hand), then sets the page once more; only then it gives up (WebviewHost tells
 * the user, with Reload Window).
 */

/** How long to wait for `ready` before each next step: one entry per try. */
export const READY_WAITS_MS = [4_000, 6_000, 10_000];

/** What the watchdog does on its host's behalf. */
export interface Recovery {
  /** Whether the page is still awaited (not ready, and the view is visible): else a timeout does nothing. */
  waiting(): boolean;
  /** Sets the page again (a fresh frame's worth: new nonce, script and styles). */
  setPage(): void;
  /** Has VS Code make new frames for every webview. */
  reloadWebviews(): void;
  /** Every step was tried: tell the user. */
  giveUp(): void;
}

export class ReadyWatchdog {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private tries = 0;

  constructor(
    private readonly recovery: Recovery,
    private readonly waits: readonly number[] = READY_WAITS_MS,
  ) {}

  /** A page was set, or a hidden view is shown again: wait for its `ready`, from the first try. */
  begin(): void {
    this.tries = 0;
    this.arm();
  }

  /** The page said `ready`: nothing more to do until the next `begin`. */
  ready(): void {
    this.tries = 0;
    this.cancel();
  }

  /** The view was hidden or disposed: nothing is awaited. */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.cancel();
    const wait = this.waits[this.tries];
    if (wait === undefined) {
      this.recovery.giveUp();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.recovery.waiting()) return;
      this.tries += 1;
      // The second step: the page's frame itself may be stuck waiting for the service worker.
      if (this.tries === 2) this.recovery.reloadWebviews();
      else this.recovery.setPage();
      this.arm();
    }, wait);
  }
}
