/**
 * The terminal: colours only on a TTY and never with NO_COLOR (https://no-color.org); a progress line with
 * tokens per second and an estimated time left, redrawn in place on a TTY and written as plain lines (at
 * most every few seconds) otherwise, always on stderr so that stdout stays the command's output.
 */

const colours = process.stderr.isTTY === true && process.stdout.isTTY === true && !process.env.NO_COLOR;

const paint = (code: number) => (text: string): string => (colours ? `\u001b[${code}m${text}\u001b[0m` : text);
export const dim = paint(2);
export const bold = paint(1);
export const red = paint(31);
export const yellow = paint(33);
export const cyan = paint(36);

/** Plain lines are written at most this often when stderr is not a terminal. */
const PLAIN_INTERVAL_MS = 5000;

export class ProgressLine {
  private readonly tty = process.stderr.isTTY === true;
  private lastPlain = 0;
  private shown = false;

  /** `done` of `total` (tokens, problems...), with the rate of `unit`s per second and the time left. */
  update(label: string, done: number, total: number, perSecond: number, unit: string): void {
    const left = perSecond > 0 && total > done ? (total - done) / perSecond : undefined;
    const width = 24;
    const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const line = `${label} ${bar} ${done}/${total} · ${perSecond.toFixed(1)} ${unit}/s${left !== undefined ? ` · ETA ${duration(left)}` : ''}`;
    if (this.tty) {
      process.stderr.write(`\r\u001b[2K${line}`);
      this.shown = true;
    } else if (Date.now() - this.lastPlain >= PLAIN_INTERVAL_MS) {
      this.lastPlain = Date.now();
      process.stderr.write(`${line}\n`);
    }
  }

  /** Clears the progress line before other output. */
  clear(): void {
    if (this.tty && this.shown) process.stderr.write('\r\u001b[2K');
    this.shown = false;
  }
}

export function duration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}
