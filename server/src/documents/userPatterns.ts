/**
 * Formats the user teaches the analysis (`qedNano.structure.problemPatterns` and `solutionPatterns`): regular
 * expressions matched against the start of a heading's text or of a paragraph (recognition.ts tries them
 * before its own table). They run on every keystroke, so they are not run by JavaScript's backtracking engine
 * but by patternMachine.ts, whose work on a line is bounded whatever the pattern: at most
 * `stepBound(program, length)` steps, and it is tried on at most RECOGNISED_PREFIX characters. A pattern is
 * accepted when:
 *
 * - it has at most 200 characters and compiles as a JavaScript regular expression (the meaning it has);
 * - it uses no backreference (`\1`, `\k<name>`) and no lookahead or lookbehind (patternMachine.ts's syntax);
 * - its bounded repetitions unroll to at most MAX_INSTRUCTIONS instructions (`\d{1,400}` does not).
 *
 * A pattern that breaks a rule is refused with a sentence that says which rule and why.
 */
import { compile, PatternRefused, run, type Program } from './patternMachine';

/** One accepted pattern: as written, and compiled. */
export interface UserPattern {
  source: string;
  program: Program;
}

/** The length of the match of `pattern` at the start of `text`, if it matches there. */
export function matchAtStart(pattern: UserPattern, text: string): number | undefined {
  return run(pattern.program, text).length;
}

/** The compiled patterns, and a key that changes exactly when they do (the analysis caches by it). */
export interface UserPatterns {
  problem: readonly UserPattern[];
  solution: readonly UserPattern[];
  key: string;
}

export const NO_USER_PATTERNS: UserPatterns = { problem: [], solution: [], key: '' };

const MAX_LENGTH = 200;

/** Compiles the two lists of settings (anything not a list of strings is no pattern); `rejected`: one
 * sentence per pattern left out. */
export function compileUserPatterns(problemSources: readonly string[], solutionSources: readonly string[]): { patterns: UserPatterns; rejected: string[] } {
  const rejected: string[] = [];
  const compileAll = (sources: readonly string[], setting: string): UserPattern[] => {
    const compiled: UserPattern[] = [];
    for (const source of sources) {
      const result = userPattern(source);
      if (typeof result === 'string') rejected.push(`qedNano.structure.${setting}: the pattern ${JSON.stringify(source)} is ignored: ${result}`);
      else compiled.push(result);
    }
    return compiled;
  };
  const problem = compileAll(problemSources, 'problemPatterns');
  const solution = compileAll(solutionSources, 'solutionPatterns');
  const key = problem.length + solution.length === 0 ? '' : JSON.stringify([problem.map((p) => p.source), solution.map((p) => p.source)]);
  return { patterns: { problem, solution, key }, rejected };
}

/** `source` compiled (it matches at the start only), or why it is refused. */
export function userPattern(source: string): UserPattern | string {
  if (source.trim() === '') return 'it is empty.';
  if (source.length > MAX_LENGTH) return `it is longer than ${MAX_LENGTH} characters.`;
  try {
    new RegExp(source);
  } catch (error) {
    return `it is not a valid regular expression (${error instanceof Error ? error.message : String(error)}).`;
  }
  try {
    return { source, program: compile(source) };
  } catch (error) {
    if (error instanceof PatternRefused) return error.message;
    throw error;
  }
}
