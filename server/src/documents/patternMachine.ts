/**
 * Runs the user's patterns (userPatterns.ts) in bounded work: a pattern is compiled into a small program and
 * run as a Pike VM (Thompson's construction, threads kept in priority order), which visits each instruction at
 * most twice per character. Matching one line therefore takes at most `stepBound(program, length)` steps,
 * whatever the pattern and the line; `run` counts the steps it takes, so tests check the bound by counting.
 *
 * Why not the JavaScript RegExp engine: it backtracks, so its time depends on the pattern's shape, and it
 * exposes no step count or budget. RE2-style engines (re2js) bound time but expose no step count either, and
 * the patterns the settings accept are a small syntax; this runs exactly that syntax.
 *
 * Semantics are JavaScript's for the syntax accepted (checked side by side against RegExp in the tests):
 * anchored at the start, leftmost match with greedy and lazy quantifiers preferring as JavaScript does;
 * literals, `.`, classes `[a-z\d]` and `[^...]`, `\d \D \w \W \s \S \b \B`, `\t \n \r \f \v \0 \xHH \uHHHH`,
 * escaped punctuation, groups `(...)`, `(?:...)`, `(?<name>...)`, alternation, `* + ? {n} {n,} {n,m}` (each
 * also lazy), `^` and `$`. Not accepted (the caller says why): backreferences, lookaround, and repeating what
 * can match nothing (`(a?)*`, where JavaScript's rule for empty iterations would need backtracking).
 */

type Test = (c: string) => boolean;

type Node =
  | { t: 'empty' }
  | { t: 'char'; test: Test }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; options: Node[] }
  | { t: 'repeat'; node: Node; min: number; max: number; lazy: boolean }
  | { t: 'assert'; kind: '^' | '$' | 'b' | 'B' };

type Instruction =
  | { op: 'char'; test: Test }
  | { op: 'split'; prefer: number; other: number }
  | { op: 'jump'; to: number }
  | { op: 'assert'; kind: '^' | '$' | 'b' | 'B' }
  | { op: 'match' };

/** A compiled pattern: its instructions (the first is the start). */
export interface Program {
  readonly instructions: readonly Instruction[];
}

/** The most instructions a program may have (bounded repetitions are unrolled: `\d{1,400}` is refused). */
export const MAX_INSTRUCTIONS = 1000;

/** The most steps `run` takes on a text of `length` characters: each instruction is visited at most once
 * when threads are added and once when they step, at each of the `length + 1` positions. */
export function stepBound(program: Program, length: number): number {
  return 2 * program.instructions.length * (length + 1);
}

/** Thrown by `compile` with the reason a pattern is not accepted. */
export class PatternRefused extends Error {}

/** `source` compiled, or a PatternRefused with why. */
export function compile(source: string): Program {
  const parser = new Parser(source);
  const node = parser.alternation();
  if (parser.at < source.length) throw new PatternRefused(source[parser.at] === ')' ? 'it has an unmatched `)`.' : `it cannot be read at character ${parser.at + 1}.`);
  const instructions: Instruction[] = [];
  emit(node, instructions);
  instructions.push({ op: 'match' });
  if (instructions.length > MAX_INSTRUCTIONS) throw new PatternRefused(`its repetitions unroll to more than ${MAX_INSTRUCTIONS} steps per character; use smaller bounds.`);
  return { instructions };
}

/** The length of the match of `program` at the start of `text` (undefined: none), and the steps taken. */
export function run(program: Program, text: string): { length: number | undefined; steps: number } {
  const code = program.instructions;
  const seen = new Int32Array(code.length).fill(-1);
  let steps = 0;
  let matched: number | undefined;
  /** Adds the thread at `pc` for position `at`, following jumps, splits and assertions (in priority order). */
  const add = (list: number[], pc0: number, at: number): void => {
    const stack = [pc0];
    while (stack.length > 0) {
      const pc = stack.pop()!;
      if (seen[pc] === at) continue;
      seen[pc] = at;
      steps++;
      const instruction = code[pc]!;
      if (instruction.op === 'jump') stack.push(instruction.to);
      else if (instruction.op === 'split') stack.push(instruction.other, instruction.prefer);
      else if (instruction.op === 'assert') {
        if (holds(instruction.kind, text, at)) stack.push(pc + 1);
      } else list.push(pc);
    }
  };
  let current: number[] = [];
  add(current, 0, 0);
  for (let at = 0; at <= text.length && current.length > 0; at++) {
    const next: number[] = [];
    for (const pc of current) {
      steps++;
      const instruction = code[pc]!;
      if (instruction.op === 'match') {
        matched = at;
        break; // threads after this one have lower priority
      }
      if (instruction.op === 'char' && at < text.length && instruction.test(text[at]!)) add(next, pc + 1, at + 1);
    }
    current = next;
  }
  return { length: matched, steps };
}

function holds(kind: '^' | '$' | 'b' | 'B', text: string, at: number): boolean {
  if (kind === '^') return at === 0;
  if (kind === '$') return at === text.length;
  const boundary = isWord(text[at - 1]) !== isWord(text[at]);
  return kind === 'b' ? boundary : !boundary;
}

const isWord = (c: string | undefined): boolean => c !== undefined && /\w/.test(c);

function emit(node: Node, out: Instruction[]): void {
  switch (node.t) {
    case 'empty':
      return;
    case 'char':
      out.push({ op: 'char', test: node.test });
      return;
    case 'assert':
      out.push({ op: 'assert', kind: node.kind });
      return;
    case 'cat':
      for (const item of node.items) emit(item, out);
      return;
    case 'alt': {
      const jumps: { op: 'jump'; to: number }[] = [];
      node.options.forEach((option, i) => {
        if (i < node.options.length - 1) {
          const split = { op: 'split' as const, prefer: out.length + 1, other: -1 };
          out.push(split);
          emit(option, out);
          const jump = { op: 'jump' as const, to: -1 };
          out.push(jump);
          jumps.push(jump);
          split.other = out.length;
        } else emit(option, out);
      });
      for (const jump of jumps) jump.to = out.length;
      return;
    }
    case 'repeat': {
      for (let i = 0; i < node.min; i++) {
        emit(node.node, out);
        if (out.length > MAX_INSTRUCTIONS) return;
      }
      if (node.max === Infinity) {
        const loop = out.length;
        const split = { op: 'split' as const, prefer: -1, other: -1 };
        out.push(split);
        emit(node.node, out);
        out.push({ op: 'jump', to: loop });
        setSplit(split, loop + 1, out.length, node.lazy);
        return;
      }
      const splits: { op: 'split'; prefer: number; other: number }[] = [];
      for (let i = node.min; i < node.max && out.length <= MAX_INSTRUCTIONS; i++) {
        const split = { op: 'split' as const, prefer: -1, other: -1 };
        splits.push(split);
        out.push(split);
        split.prefer = out.length; // fixed below, once the end is known
        emit(node.node, out);
      }
      for (const split of splits) setSplit(split, split.prefer, out.length, node.lazy);
      return;
    }
  }
}

/** A split between taking the body (at `body`) and leaving (at `exit`): greedy prefers the body. */
function setSplit(split: { prefer: number; other: number }, body: number, exit: number, lazy: boolean): void {
  split.prefer = lazy ? exit : body;
  split.other = lazy ? body : exit;
}

const CLASS_ESCAPES: Readonly<Partial<Record<string, Test>>> = {
  d: (c) => c >= '0' && c <= '9',
  D: (c) => !(c >= '0' && c <= '9'),
  w: (c) => /\w/.test(c),
  W: (c) => !/\w/.test(c),
  s: (c) => /\s/.test(c),
  S: (c) => !/\s/.test(c),
};
const CONTROL: Readonly<Partial<Record<string, string>>> = { t: '\t', n: '\n', r: '\r', f: '\f', v: '\v', '0': '\0' };

class Parser {
  at = 0;

  constructor(private readonly source: string) {}

  alternation(): Node {
    const options = [this.sequence()];
    while (this.source[this.at] === '|') {
      this.at++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0]! : { t: 'alt', options };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.at < this.source.length && this.source[this.at] !== '|' && this.source[this.at] !== ')') items.push(this.quantified(this.atom()));
    return items.length === 0 ? { t: 'empty' } : items.length === 1 ? items[0]! : { t: 'cat', items };
  }

  private quantified(node: Node): Node {
    const c = this.source[this.at];
    let min: number;
    let max: number;
    if (c === '*' || c === '+' || c === '?') {
      this.at++;
      [min, max] = c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
    } else {
      const braces = c === '{' ? /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(this.source.slice(this.at, this.at + 12)) : null;
      if (!braces) return node;
      this.at += braces[0].length;
      min = Number(braces[1]);
      max = braces[2] === undefined ? min : braces[3] === '' ? Infinity : Number(braces[3]);
      if (max < min) throw new PatternRefused('a repetition `{n,m}` has m smaller than n.');
    }
    if (node.t === 'assert') throw new PatternRefused('an anchor (`^`, `$`, `\\b`) is repeated.');
    // JavaScript fails an optional iteration that matched nothing and tries the next choice, where a machine
    // that follows each state once per character would keep the empty one: so such repetitions are refused,
    // and with them every loop that takes no character (each path without one is then acyclic).
    if (max > min && nullable(node)) throw new PatternRefused('it repeats something that can match nothing (like `(a?)*`); repeat what must match (`(a)*`).');
    const lazy = this.source[this.at] === '?';
    if (lazy) this.at++;
    if (/^[*+?{]/.test(this.source[this.at] ?? '') && this.quantifierFollows()) throw new PatternRefused('it repeats a repetition (`a**`).');
    return { t: 'repeat', node, min, max, lazy };
  }

  private quantifierFollows(): boolean {
    const c = this.source[this.at];
    return c !== '{' || /^\{\d{1,4}(,\d{0,4})?\}/.test(this.source.slice(this.at, this.at + 12));
  }

  private atom(): Node {
    const c = this.source[this.at]!;
    this.at++;
    switch (c) {
      case '.':
        return { t: 'char', test: (x) => x !== '\n' && x !== '\r' && x !== '\u2028' && x !== '\u2029' };
      case '^':
      case '$':
        return { t: 'assert', kind: c };
      case '[':
        return this.characterClass();
      case '(':
        return this.group();
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
        throw new PatternRefused(`\`${c}\` at character ${this.at} repeats nothing.`);
      default:
        return literal(c);
    }
  }

  private group(): Node {
    if (this.source.startsWith('?:', this.at)) this.at += 2;
    else if (/^\?<[A-Za-z_$][\w$]{0,31}>/.test(this.source.slice(this.at, this.at + 36))) this.at = this.source.indexOf('>', this.at) + 1;
    else if (this.source[this.at] === '?') throw new PatternRefused(this.source.startsWith('?<', this.at) ? 'it uses a lookbehind, which is not supported here.' : 'it uses a lookahead (`(?=`, `(?!`), which is not supported here.');
    const inner = this.alternation();
    if (this.source[this.at] !== ')') throw new PatternRefused('a group `(` is not closed.');
    this.at++;
    return inner;
  }

  private escape(): Node {
    const c = this.source[this.at];
    if (c === undefined) throw new PatternRefused('it ends with a lone `\\`.');
    this.at++;
    if (/[1-9]/.test(c) || c === 'k') throw new PatternRefused('it uses a backreference, which is not supported here.');
    if (c === 'b' || c === 'B') return { t: 'assert', kind: c };
    const test = CLASS_ESCAPES[c];
    if (test) return { t: 'char', test };
    return literal(this.escapedCharacter(c));
  }

  /** The character an escape `\c` (c read already) stands for, outside the class shorthands. */
  private escapedCharacter(c: string): string {
    const control = CONTROL[c];
    if (control !== undefined && !(c === '0' && /\d/.test(this.source[this.at] ?? ''))) return control;
    const hex = c === 'x' ? /^[0-9A-Fa-f]{2}/.exec(this.source.slice(this.at)) : c === 'u' ? /^[0-9A-Fa-f]{4}/.exec(this.source.slice(this.at)) : null;
    if (hex) {
      this.at += hex[0].length;
      return String.fromCharCode(parseInt(hex[0], 16));
    }
    if (/[A-Za-z0-9]/.test(c)) throw new PatternRefused(`the escape \`\\${c}\` is not supported here.`);
    return c;
  }

  private characterClass(): Node {
    const negated = this.source[this.at] === '^';
    if (negated) this.at++;
    const parts: Test[] = [];
    for (;;) {
      const c = this.source[this.at];
      if (c === undefined) throw new PatternRefused('a class `[` is not closed.');
      this.at++;
      if (c === ']') break;
      const from = this.classMember(c);
      if (typeof from !== 'string') {
        parts.push(from);
        continue;
      }
      if (this.source[this.at] === '-' && this.source[this.at + 1] !== undefined && this.source[this.at + 1] !== ']') {
        this.at++;
        const to = this.classMember(this.source[this.at++]!);
        if (typeof to !== 'string') throw new PatternRefused('a range in a class ends in a shorthand (`[a-\\d]`).');
        if (to < from) throw new PatternRefused(`the range \`${from}-${to}\` in a class is out of order.`);
        parts.push((x) => x >= from && x <= to);
      } else parts.push((x) => x === from);
    }
    return { t: 'char', test: (x) => parts.some((part) => part(x)) !== negated };
  }

  /** A class member starting with `c` (read already): one character, or a shorthand's test (`\d`). */
  private classMember(c: string): string | Test {
    if (c !== '\\') return c;
    const e = this.source[this.at];
    if (e === undefined) throw new PatternRefused('it ends with a lone `\\`.');
    this.at++;
    if (e === 'b') return '\b';
    return CLASS_ESCAPES[e] ?? this.escapedCharacter(e);
  }
}

/** Whether `node` can match the empty string. */
function nullable(node: Node): boolean {
  switch (node.t) {
    case 'empty':
    case 'assert':
      return true;
    case 'char':
      return false;
    case 'cat':
      return node.items.every(nullable);
    case 'alt':
      return node.options.some(nullable);
    case 'repeat':
      return node.min === 0 || nullable(node.node);
  }
}

function literal(c: string): Node {
  return { t: 'char', test: (x) => x === c };
}
