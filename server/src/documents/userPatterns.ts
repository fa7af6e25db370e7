/**
 * Formats the user teaches the analysis (`qedNano.structure.problemPatterns` and `solutionPatterns`): regular
 * expressions matched against the start of a heading's text or of a paragraph (recognition.ts tries them
 * before its own table). They run on every keystroke, so only a restricted syntax is accepted, in which no
 * pattern can backtrack badly on the at most RECOGNISED_PREFIX characters it is tried on:
 *
 * - at most 200 characters, and it must compile as a JavaScript regular expression;
 * - no backreference (`\1`, `\k<name>`) and no lookbehind;
 * - no quantified group that itself holds a quantifier or an alternative (`(a+)+`, `(a|aa)*`: the classic
 *   catastrophic shapes);
 * - at most two unbounded quantifiers (`*`, `+`, `{n,}`) in all, so the worst case is quadratic in 200
 *   characters.
 *
 * A pattern that breaks a rule is rejected with a sentence that says which rule and why.
 */

/** The compiled patterns, and a key that changes exactly when they do (the analysis caches by it). */
export interface UserPatterns {
  problem: readonly RegExp[];
  solution: readonly RegExp[];
  key: string;
}

export const NO_USER_PATTERNS: UserPatterns = { problem: [], solution: [], key: '' };

const MAX_LENGTH = 200;
const MAX_UNBOUNDED = 2;

/** Compiles the two lists of settings (anything not a list of strings is no pattern); `rejected`: one
 * sentence per pattern left out. */
export function compileUserPatterns(problemSources: readonly string[], solutionSources: readonly string[]): { patterns: UserPatterns; rejected: string[] } {
  const rejected: string[] = [];
  const compile = (sources: readonly string[], setting: string): RegExp[] => {
    const compiled: RegExp[] = [];
    for (const source of sources) {
      const result = userPattern(source);
      if (typeof result === 'string') rejected.push(`qedNano.structure.${setting}: the pattern ${JSON.stringify(source)} is ignored: ${result}`);
      else compiled.push(result);
    }
    return compiled;
  };
  const problem = compile(problemSources, 'problemPatterns');
  const solution = compile(solutionSources, 'solutionPatterns');
  const key = problem.length + solution.length === 0 ? '' : JSON.stringify([problem.map((p) => p.source), solution.map((p) => p.source)]);
  return { patterns: { problem, solution, key }, rejected };
}

/** `source` compiled, anchored at the start, or why it is refused. */
export function userPattern(source: string): RegExp | string {
  if (source.trim() === '') return 'it is empty.';
  if (source.length > MAX_LENGTH) return `it is longer than ${MAX_LENGTH} characters.`;
  const unsafe = unsafeShape(source);
  if (unsafe) return unsafe;
  try {
    return new RegExp(`^(?:${source})`);
  } catch (error) {
    return `it is not a valid regular expression (${error instanceof Error ? error.message : String(error)}).`;
  }
}

/** The first rule `source` breaks (see the module's comment), or undefined. */
function unsafeShape(source: string): string | undefined {
  /** Per open group: whether it holds a quantifier or an alternative. */
  const groups: boolean[] = [];
  let unbounded = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass && (/[1-9]/.test(next) || next === 'k')) return 'it uses a backreference, which can take exponential time.';
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      continue;
    }
    if (c === '(') {
      if (source.startsWith('(?<=', i) || source.startsWith('(?<!', i)) return 'it uses a lookbehind, which is not supported here.';
      groups.push(false);
      // The group's kind (`(?:`, `(?=`, `(?!`, `(?<name>`) is no quantifier.
      const kind = /^\(\?(?::|=|!|<[A-Za-z][A-Za-z0-9]{0,31}>)/.exec(source.slice(i, i + 36));
      if (kind) i += kind[0].length - 1;
      continue;
    }
    const quantifier = quantifierAt(source, i);
    if (c === ')') {
      const risky = groups.pop() ?? false;
      const after = quantifierAt(source, i + 1);
      if (after && risky) return 'a repeated group holds a repetition or an alternative (like `(a+)+`), which can backtrack catastrophically.';
      if (groups.length > 0 && risky) groups[groups.length - 1] = true;
      continue;
    }
    if (c === '|' || quantifier) {
      if (groups.length > 0) groups[groups.length - 1] = true;
      if (quantifier?.unbounded && ++unbounded > MAX_UNBOUNDED) return `it has more than ${MAX_UNBOUNDED} unbounded repetitions (\`*\`, \`+\`, \`{n,}\`); bound them (\`{0,20}\`).`;
      if (quantifier) i += quantifier.length - 1;
    }
  }
  return undefined;
}

/** A quantifier starting at `at` (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each with an optional lazy `?`). */
function quantifierAt(source: string, at: number): { length: number; unbounded: boolean } | undefined {
  const c = source[at];
  let length: number;
  let unbounded: boolean;
  if (c === '*' || c === '+') {
    length = 1;
    unbounded = true;
  } else if (c === '?') {
    length = 1;
    unbounded = false;
  } else if (c === '{') {
    const match = /^\{\d{1,4}(,(\d{0,4}))?\}/.exec(source.slice(at, at + 12));
    if (!match) return undefined;
    length = match[0].length;
    unbounded = match[1] !== undefined && match[2] === '';
  } else return undefined;
  if (source[at + length] === '?') length++;
  return { length, unbounded };
}
