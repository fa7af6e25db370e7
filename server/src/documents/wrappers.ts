/**
 * Project macros that wrap the commands a project's links and labels are made of: `\newcommand{\myref}[1]
 * {\ref{sec:#1}}`, `\def\mylabel#1{\label{#1}}`, OpenLogic's `\DeclareDocumentCommand\olimport{s o m o}{...
 * \subfile{#2/#3}...}`. One level: a wrapper's body passes its arguments, perhaps with constant text around
 * them, to `\input`-like commands, `\label` or reference commands; a use of it counts as what it passes on.
 * Also the constants of a project (`\newcommand{\olpath}{.}`), which include paths may be written with.
 *
 * Pure and linear: definitions in, wrappers out; a file's text and a project's wrappers in, the uses out
 * (one pass over the text, each use's arguments read on its own line within the usual bounds).
 */
import {
  range,
  type CommandWrapper,
  type IncludeLink,
  type LabelDefinition,
  type MacroDefinition,
  type Reference,
  type WrappedCommand,
} from './proofDocument';
import { isLetter, MAX_GROUP_LENGTH, readBraceGroup, readBracketGroup, REFERENCE_COMMANDS, skipWhitespace } from './tokens';

/** What a file's text does through its project's wrappers. */
export interface WrapperUses {
  includes: IncludeLink[];
  labels: LabelDefinition[];
  references: Reference[];
}

export const NO_USES: WrapperUses = Object.freeze({ includes: [], labels: [], references: [] }) as WrapperUses;

/** The wrappers and constants in force in a project: one object per project state (its identity says
 * whether a file's uses must be found again). */
export interface WrapperSet {
  readonly wrappers: ReadonlyMap<string, CommandWrapper>;
  /** Macros without arguments whose body is plain text (`\olpath` -> `.`). */
  readonly constants: ReadonlyMap<string, string>;
  /** What it holds, as a string: two sets with the same key are the same. */
  readonly key: string;
}

const NO_CONSTANTS: ReadonlyMap<string, string> = new Map();

export const NO_WRAPPERS: WrapperSet = Object.freeze({ wrappers: new Map(), constants: new Map(), key: '' });

/** The commands a wrapper's body may pass arguments to, and the arguments each takes. */
type Wrappable = { role: WrappedCommand['role']; arguments: readonly ('m' | 'o' | 's')[] };
const WRAPPABLE: ReadonlyMap<string, Wrappable> = new Map<string, Wrappable>([
  ...['input', 'include', 'subfile'].map((name): [string, Wrappable] => [name, { role: 'include', arguments: ['m'] }]),
  ...['import', 'subimport', 'inputfrom', 'includefrom', 'subinputfrom', 'subincludefrom'].map((name): [string, Wrappable] => [name, { role: 'include', arguments: ['s', 'm', 'm'] }]),
  ['label', { role: 'label', arguments: ['m'] }],
  ...[...REFERENCE_COMMANDS].filter((name) => name !== 'hyperref').map((name): [string, Wrappable] => [name, { role: 'reference', arguments: ['s', 'm'] }]),
  ['hyperref', { role: 'reference', arguments: ['o'] }],
]);

/** The longest body looked at (a wrapper's body is a line or two; a package's long macros are not wrappers). */
const MAX_BODY_LENGTH = 4000;

/**
 * The wrapper a definition makes, if its body passes an argument to a wrappable command. `spec`: xparse's
 * argument specification (`s o m O{x}`), else `\newcommand`'s arity (its first argument optional when it has
 * a default). A specification with other kinds of argument (delimited, verbatim...) makes no wrapper.
 */
export function wrapperOf(definition: { name: string; body: string } & ({ spec: string } | Pick<MacroDefinition, 'arity' | 'defaultArgument'>)): CommandWrapper | undefined {
  const { body } = definition;
  if (body.length > MAX_BODY_LENGTH || !body.includes('#')) return undefined;
  const parameters: ('m' | 'o' | 's')[] = [];
  const defaults: (string | undefined)[] = [];
  if ('spec' in definition) {
    for (let at = skipWhitespace(definition.spec, 0); at < definition.spec.length; at = skipWhitespace(definition.spec, at)) {
      const kind = definition.spec[at]!;
      at++;
      if (kind === '+' || kind === '!') continue; // long, or spaces not skipped: the same argument
      if (kind === 'm' || kind === 's' || kind === 'o') {
        parameters.push(kind);
        defaults.push(undefined);
      } else if (kind === 'O') {
        const value = readBraceGroup(definition.spec, at, MAX_BODY_LENGTH);
        if (!value) return undefined;
        parameters.push('o');
        defaults.push(value.inner);
        at = value.end;
      } else {
        return undefined;
      }
    }
  } else {
    for (let i = 0; i < Math.min(definition.arity, 9); i++) {
      const optional = i === 0 && definition.defaultArgument !== undefined;
      parameters.push(optional ? 'o' : 'm');
      defaults.push(optional ? definition.defaultArgument : undefined);
    }
  }
  const forms: WrappedCommand[] = [];
  for (let at = body.indexOf('\\'); at >= 0 && at < body.length; at = body.indexOf('\\', at)) {
    const { name, end } = commandAt(body, at);
    at = Math.max(end, at + 1);
    const wrappable = WRAPPABLE.get(name);
    if (!wrappable) continue;
    const read = readArguments(body, end, wrappable.arguments, MAX_BODY_LENGTH);
    if (!read) continue;
    at = read.end;
    const values = read.values.filter((value, i) => wrappable.arguments[i] !== 's' && value !== undefined) as string[];
    if (values.length > 0 && values.some((value) => /#[1-9]/.test(value))) forms.push({ role: wrappable.role, command: name, arguments: values.map((v) => v.trim()) });
  }
  return forms.length > 0 ? { name: definition.name, parameters, defaults, forms } : undefined;
}

/** The set of `wrappers` and the constants among `macros` (later definitions of a name do not replace the first). */
export function wrapperSet(wrappers: readonly CommandWrapper[], macros: readonly MacroDefinition[]): WrapperSet {
  const byName = new Map<string, CommandWrapper>();
  for (const wrapper of wrappers) if (!byName.has(wrapper.name)) byName.set(wrapper.name, wrapper);
  const constants = new Map<string, string>();
  for (const macro of macros) {
    if (macro.arity === 0 && macro.body.length <= MAX_GROUP_LENGTH && !/[\\{}#%$]/.test(macro.body) && !constants.has(macro.name)) constants.set(macro.name, macro.body.trim());
  }
  if (byName.size === 0 && constants.size === 0) return NO_WRAPPERS;
  const key = JSON.stringify([[...byName.values()], [...constants]]);
  return { wrappers: byName, constants, key };
}

/** `text` with the set's constants written out (`\olpath/sty/x.sty` -> `./sty/x.sty`); other macros stay. */
export function expandConstants(text: string, constants: ReadonlyMap<string, string>): string {
  if (constants.size === 0 || !text.includes('\\')) return text;
  let out = '';
  let from = 0;
  for (let at = text.indexOf('\\'); at >= 0; at = text.indexOf('\\', from)) {
    const { name, end } = commandAt(text, at);
    const value = constants.get(name);
    out += text.slice(from, at) + (value ?? text.slice(at, end));
    from = end;
    // `\olpath /x`: TeX drops the space after a control word.
    if (value !== undefined) while (text[from] === ' ') from++;
  }
  return out + text.slice(from);
}

/**
 * What `text` does through the set's wrappers: the includes, labels and references their uses make. A use
 * counts outside comments and outside definitions (the wrapper's own, or another macro's), with its arguments
 * on its line. Of a wrapper's forms of one role, the one that takes the most of the arguments given is used
 * (`\olimport[dir]{file}` is `\subfile{#2/#3}`, `\olimport{file}` is `\subfile{#3}`); a form whose result still
 * holds a macro other than the project's constants is not.
 */
export function findWrapperUses(text: string, set: WrapperSet): WrapperUses {
  if (set.wrappers.size === 0) return NO_USES;
  const uses: WrapperUses = { includes: [], labels: [], references: [] };
  const lines = new LineCursor(text);
  // What each line needs is found once, when a use is first met on it: a line of 20,000 uses stays linear.
  let lineText: string | undefined;
  let comment = -1;
  let line = -1;
  for (let at = text.indexOf('\\'); at >= 0; ) {
    lines.moveTo(at);
    if (lines.line !== line) {
      line = lines.line;
      lineText = undefined;
    }
    const lineStart = lines.start;
    const { name, end } = commandAt(text, at);
    const wrapper = set.wrappers.get(name);
    if (wrapper && lineText === undefined) {
      lineText = text.slice(lineStart, lines.end);
      comment = commentStart(lineText);
    }
    if (wrapper && (comment < 0 || at - lineStart < comment) && !afterDefinition(lineText!, at - lineStart)) {
      const used = useAt(lineText!, line, at - lineStart, end - lineStart, wrapper, set.constants, uses);
      at = text.indexOf('\\', lineStart + used);
    } else {
      at = text.indexOf('\\', Math.max(end, at + 1));
    }
  }
  return uses;
}

// -----------------------------------------------------------------------------------------------------------

/** The control sequence at `at` (a backslash): its name (letters, or one other character) and where it ends. */
function commandAt(text: string, at: number): { name: string; end: number } {
  let end = at + 1;
  while (end < text.length && isLetter(text.charCodeAt(end))) end++;
  if (end === at + 1 && end < text.length) end++;
  return { name: text.slice(at + 1, end), end };
}

/** Lines as the analysis counts them (`\r\n`, `\r` or `\n` ends one), walked forward: each break is found once. */
class LineCursor {
  line = 0;
  start = 0;
  /** Where the current line's text ends (its break, or the text's end). */
  end: number;
  private nextCr: number;
  private nextLf: number;

  constructor(private readonly text: string) {
    this.nextCr = text.indexOf('\r');
    this.nextLf = text.indexOf('\n');
    this.end = this.breakAt();
  }

  /** Moves to the line that holds `at` (at or after the current one). */
  moveTo(at: number): void {
    while (this.end < this.text.length && at > this.end) {
      const next = this.text[this.end] === '\r' && this.text[this.end + 1] === '\n' ? this.end + 2 : this.end + 1;
      this.line++;
      this.start = next;
      if (this.nextCr >= 0 && this.nextCr < next) this.nextCr = this.text.indexOf('\r', next);
      if (this.nextLf >= 0 && this.nextLf < next) this.nextLf = this.text.indexOf('\n', next);
      this.end = this.breakAt();
    }
  }

  private breakAt(): number {
    const breaks = [this.nextCr, this.nextLf].filter((b) => b >= 0);
    return breaks.length > 0 ? Math.min(...breaks) : this.text.length;
  }
}

/** Where the line's comment starts (an unescaped `%`), or -1. */
function commentStart(line: string): number {
  for (let i = line.indexOf('%'); i >= 0; i = line.indexOf('%', i + 1)) {
    let backslashes = 0;
    while (i - backslashes - 1 >= 0 && line[i - backslashes - 1] === '\\') backslashes++;
    if (backslashes % 2 === 0) return i;
  }
  return -1;
}

const DEFINING: ReadonlySet<string> = new Set([
  'newcommand', 'renewcommand', 'providecommand', 'DeclareRobustCommand', 'def', 'gdef', 'edef', 'xdef', 'let',
  'NewDocumentCommand', 'RenewDocumentCommand', 'ProvideDocumentCommand', 'DeclareDocumentCommand',
  'apptocmd', 'pretocmd', 'patchcmd', 'csdef', 'robustify',
]);

/** Whether the command at column `at` of `line` is the name a definition command gives (`\newcommand{\myref}`,
 * `\def\myref`). Looks back over a few characters and one command name only. */
function afterDefinition(line: string, at: number): boolean {
  let i = at;
  while (i > 0 && line[i - 1] === ' ' && at - i < 8) i--;
  if (i > 0 && line[i - 1] === '{') i--;
  while (i > 0 && line[i - 1] === ' ' && at - i < 16) i--;
  if (i > 0 && line[i - 1] === '*') i--;
  let start = i;
  while (start > 0 && isLetter(line.charCodeAt(start - 1)) && i - start < 32) start--;
  return start > 0 && line[start - 1] === '\\' && DEFINING.has(line.slice(start, i));
}

/** Reads the arguments `kinds` asks for from `from`; undefined when a mandatory one is missing. */
function readArguments(text: string, from: number, kinds: readonly ('m' | 'o' | 's')[], maxLength: number): { values: (string | undefined)[]; starts: number[]; end: number } | undefined {
  const values: (string | undefined)[] = [];
  const starts: number[] = [];
  let at = from;
  for (const kind of kinds) {
    if (kind === 's') {
      const star = skipWhitespace(text, at);
      values.push(text[star] === '*' ? '*' : undefined);
      starts.push(star);
      if (text[star] === '*') at = star + 1;
      continue;
    }
    const group = kind === 'm' ? readBraceGroup(text, at, maxLength) : readBracketGroup(text, at, maxLength);
    if (!group) {
      if (kind === 'm') return undefined;
      values.push(undefined);
      starts.push(at);
      continue;
    }
    values.push(group.inner);
    starts.push(group.end - group.inner.length - 1);
    at = group.end;
  }
  return { values, starts, end: at };
}

/** Records the use of `wrapper` at column `ch` of `lineText` (its name ends at `afterName`); returns the
 * column to go on from. */
function useAt(lineText: string, line: number, ch: number, afterName: number, wrapper: CommandWrapper, constants: ReadonlyMap<string, string>, uses: WrapperUses): number {
  const read = readArguments(lineText, afterName, wrapper.parameters, MAX_GROUP_LENGTH);
  if (!read) return afterName;
  const given = read.values.map((value, i) => value ?? wrapper.defaults[i]);
  const whole = range(line, ch, line, read.end);
  for (const role of ['include', 'label', 'reference'] as const) {
    // Constants are written out in paths only: a label's name is what its text says (OpenLogic's
    // `\theolpart` is a constant only until each file sets it).
    const form = bestForm(wrapper.forms.filter((f) => f.role === role), read.values, given, role === 'include' ? constants : NO_CONSTANTS);
    if (!form) continue;
    if (role === 'include') {
      const [folder, target] = form.values.length > 1 ? form.values : [undefined, form.values[0]];
      if (target) uses.includes.push({ command: form.command, target, ...(folder !== undefined ? { folder } : {}), range: whole });
      continue;
    }
    const template = form.template;
    const single = /^[^#]*#([1-9])[^#]*$/.exec(template);
    const parameter = single ? Number(single[1]) - 1 : -1;
    const argument = read.values[parameter];
    const written = single && argument !== undefined ? { at: read.starts[parameter]!, text: argument } : undefined;
    const [prefix, suffix] = single ? (template.split(`#${single[1]}`) as [string, string]) : ['', ''];
    // `\cref{#1}` with `a,b` names two labels; a name with text around the argument is one.
    const names = role === 'reference' && written && prefix === '' && suffix === '' ? splitKeys(written.text, written.at) : [{ name: form.values[0]!, at: written ? written.at + leading(written.text) : -1, length: written?.text.trim().length ?? 0 }];
    for (const { name, at, length } of names) {
      if (name === '') continue;
      const via = { macro: wrapper.name, nameRange: at >= 0 ? range(line, at, line, at + length) : undefined, prefix, suffix };
      if (role === 'label') uses.labels.push({ name, range: whole, via });
      else uses.references.push({ command: form.command, name, range: whole, via });
    }
  }
  return read.end;
}

/** Of `forms`, the one whose arguments are all known (given, or defaulted) and plain after the constants are
 * written out, taking the most of the arguments given; with its values and (for a label or reference) its
 * one argument's template. */
function bestForm(forms: readonly WrappedCommand[], written: readonly (string | undefined)[], given: readonly (string | undefined)[], constants: ReadonlyMap<string, string>): { command: string; values: string[]; template: string } | undefined {
  let best: { command: string; values: string[]; template: string; score: number } | undefined;
  for (const form of forms) {
    let score = 0;
    let known = true;
    const values = form.arguments.map((argument) =>
      argument.replace(/#([1-9#])/g, (_, digit: string) => {
        if (digit === '#') return '#';
        const index = Number(digit) - 1;
        if (given[index] === undefined) known = false;
        else if (written[index] !== undefined) score++;
        return given[index] ?? '';
      }),
    );
    const expanded = values.map((value) => expandConstants(value, constants).trim());
    if (!known || expanded.some((value) => value.includes('\\') || value === '')) continue;
    if (!best || score > best.score) best = { command: form.command, values: expanded, template: form.arguments[form.arguments.length - 1]!, score };
  }
  return best;
}

/** The comma-separated names of a reference argument written from column `from`, with where each stands. */
function splitKeys(text: string, from: number): { name: string; at: number; length: number }[] {
  const keys: { name: string; at: number; length: number }[] = [];
  let start = 0;
  for (const part of text.split(',')) {
    const name = part.trim();
    keys.push({ name, at: from + start + leading(part), length: name.length });
    start += part.length + 1;
  }
  return keys;
}

function leading(text: string): number {
  return text.length - text.trimStart().length;
}
