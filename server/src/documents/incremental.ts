/**
 * Incremental line lexing: the part of analysis that runs on every keystroke.
 *
 * A format's lexer turns one line plus the state at its start (inside math? inside verbatim? ...) into
 * tokens and the state at its end. The cache keeps every line's result; after an edit only the lines from
 * the first changed one are lexed again, and lexing stops as soon as a line that was not changed is reached
 * in the same start state as before (the classic editor-highlighter scheme). Tokens hold columns only, never
 * line numbers, so results of lines that merely moved are reused as they are.
 */

export interface LineLexResult<S> {
  readonly endState: S;
}

export interface LineLexer<S, R extends LineLexResult<S>> {
  readonly initialState: S;
  lexLine(text: string, startState: S): R;
  sameState(a: S, b: S): boolean;
}

/** Splits on the three line breaks LSP recognises (`\r\n`, `\n`, `\r`). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

export class IncrementalLexer<S, R extends LineLexResult<S>> {
  private lines: string[] = [];
  private results: R[] = [];
  /** How many lines the last update lexed (the rest were reused): for tests and the benchmark. */
  lastLexedLineCount = 0;

  constructor(private readonly lexer: LineLexer<S, R>) {}

  /** Brings the cache up to date with `text`; returns every line and its lex result. */
  update(text: string): { lines: readonly string[]; results: readonly R[] } {
    const newLines = splitLines(text);
    const oldLines = this.lines;
    const oldResults = this.results;
    const shared = Math.min(newLines.length, oldLines.length);

    let prefix = 0;
    while (prefix < shared && newLines[prefix] === oldLines[prefix]) prefix++;
    let suffix = 0;
    while (
      suffix < shared - prefix &&
      newLines[newLines.length - 1 - suffix] === oldLines[oldLines.length - 1 - suffix]
    ) {
      suffix++;
    }

    const results = oldResults.slice(0, prefix);
    let state = prefix === 0 ? this.lexer.initialState : results[prefix - 1]!.endState;
    const shift = oldLines.length - newLines.length;
    const firstUnchangedTail = newLines.length - suffix;
    let lexed = 0;
    for (let line = prefix; line < newLines.length; line++) {
      if (line >= firstUnchangedTail) {
        const oldLine = line + shift;
        const oldStart = oldLine === 0 ? this.lexer.initialState : oldResults[oldLine - 1]!.endState;
        if (this.lexer.sameState(state, oldStart)) {
          for (let rest = oldLine; rest < oldResults.length; rest++) results.push(oldResults[rest]!);
          break;
        }
      }
      const result = this.lexer.lexLine(newLines[line]!, state);
      results.push(result);
      state = result.endState;
      lexed++;
    }

    this.lines = newLines;
    this.results = results;
    this.lastLexedLineCount = lexed;
    return { lines: newLines, results };
  }
}
