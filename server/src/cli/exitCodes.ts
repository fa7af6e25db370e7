/** The command line's exit codes (documented in its --help and the README). */
export const EXIT = {
  /** Done; no error found. */
  ok: 0,
  /** Done, and something was found: structural errors (check), a proof scored below 1 (critique), a problem left without a proof (prove, batch), a judge sample left ungraded or a problem given no proof (grade). */
  findings: 1,
  /** The command line or its input is wrong: unknown option, missing or unreadable file, no LaTeX or Markdown file at all, a CSV without its columns. */
  usage: 2,
  /** The model, engine or judge could not be used: no model file, a download or load failure, an unreachable endpoint, a judge that refuses the key. */
  engine: 3,
  /** Interrupted (Ctrl+C): what was finished is kept. */
  interrupted: 130,
} as const;

/** A failure the command reports in one line with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
