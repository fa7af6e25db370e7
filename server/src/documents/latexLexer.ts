/**
 * The LaTeX line lexer: one pass over each character of a line, no regular expressions on the hot path,
 * no backtracking. It recognises only what proof-document analysis needs (environments, math delimiters,
 * labels and references, list items, theorem/environment/macro declarations, comments, verbatim) and never
 * fails: anything it does not understand is plain text.
 *
 * Why not a LaTeX parser library: the unified-latex PEG parser took 1.6-4 s on a 1,700-line file on these
 * machines, and analysis runs on every keystroke with a budget of a few milliseconds.
 */
import { shortName, type StatementKind } from './proofDocument';
import type { LineLexer } from './incremental';
import {
  classifyStatementWord,
  describeLine,
  isLetter,
  isProofWord,
  MAX_GROUP_LENGTH,
  readBraceGroup,
  readBracketGroup,
  REFERENCE_COMMANDS,
  referenceTokens,
  skipWhitespace,
  type Definition,
  type LexedLine,
  type LineToken,
  type MathDelimiter,
} from './tokens';

export interface LatexState {
  /** The math mode in force, or null in text mode. */
  readonly math: MathDelimiter | null;
  /** Brace depth inside the current math (a `$` inside `\text{...}` does not end the math). */
  readonly mathDepth: number;
  /** Environments opened inside the current math (`pmatrix`, `cases`, `tabular`...): an `\end` beyond them
   * ends the math (it was never closed, or closed with the wrong name). Their cells are math of their own
   * (`$1$ & \text{if } x = 0` in `cases` is text) or text (`tabular`): a `$` in them neither closes nor
   * conflicts. */
  readonly mathEnvironments: number;
  /** Inside the `$`-delimited argument of a macro in math (bussproofs' `\Axiom$ A \fCenter B$`), which
   * may run over several lines: the next `$` ends it. */
  readonly dollarArgument: boolean;
  /** In `$` math, an odd number of `$` were read as text inside the current outermost brace group. If the
   * group closes so, the `$` ended the math inside a macro's argument (`$\Sat{M}{!P \lif !A$}` works when
   * `\Sat` puts its argument in place): the math ends with the group. */
  readonly oddDollars: boolean;
  /** Inside the false branch of `\iffalse` (TeX skips it): how many conditionals deep; 0 when not. */
  readonly skip: number;
  /** Inside a verbatim-like environment: its name (only `\end{name}` ends it). */
  readonly verbatim: string | null;
  /** How many of it are nested inside it (a `tikzpicture` in a node of a `tikzpicture`; real verbatim
   * text has no nesting). */
  readonly verbatimDepth: number;
  /** Inside a multi-line declaration (`\newcommand`, `\newenvironment`...): its text so far. */
  readonly definition: PendingDefinition | null;
}

interface PendingDefinition {
  readonly command: string;
  readonly raw: string;
  readonly depth: number;
  /** Brace groups completed so far. */
  readonly groups: number;
}

const INITIAL: LatexState = { math: null, mathDepth: 0, mathEnvironments: 0, dollarArgument: false, oddDollars: false, skip: 0, verbatim: null, verbatimDepth: 0, definition: null };

/** A declaration longer than this was never closed: it is dropped and reported, not allowed to swallow
 * the rest of the document. */
const MAX_DEFINITION_LENGTH = 4000;

const VERBATIM_ENVIRONMENTS: ReadonlySet<string> = new Set([
  'verbatim', 'verbatim*', 'Verbatim', 'Verbatim*', 'BVerbatim', 'LVerbatim', 'lstlisting', 'minted', 'comment',
  'filecontents', 'filecontents*', 'tikzpicture' /* tikz syntax is full of $ and % that are not text */,
]);

/** Verbatim-like environments that may nest in themselves. */
const NESTING_VERBATIM: ReadonlySet<string> = new Set(['tikzpicture']);

export const MATH_ENVIRONMENTS: ReadonlySet<string> = new Set(
  ['equation', 'align', 'gather', 'multline', 'flalign', 'alignat', 'eqnarray', 'displaymath', 'math', 'dmath']
    .flatMap((name) => [name, `${name}*`]),
);

/** Display environments built as alignments: each cell is math of its own, so `$x$` in a cell is text. */
const ALIGNMENT_ENVIRONMENTS: ReadonlySet<string> = new Set(
  ['align', 'gather', 'flalign', 'alignat', 'eqnarray'].flatMap((name) => [`env:${name}`, `env:${name}*`]),
);

const DEFINITION_COMMANDS: ReadonlySet<string> = new Set([
  'newtheorem', 'declaretheorem', 'newenvironment', 'renewenvironment', 'NewDocumentEnvironment',
  'newcommand', 'renewcommand', 'providecommand', 'DeclareRobustCommand', 'DeclareMathOperator', 'def',
  'NewDocumentCommand', 'RenewDocumentCommand', 'ProvideDocumentCommand', 'DeclareDocumentCommand',
]);

/** Commands that bring in another file of the project (`\import` and `\subimport` name a folder, then a
 * file); xr's `\externaldocument` names another document whose labels may be referenced. */
const INCLUDE_COMMANDS: ReadonlySet<string> = new Set([
  'input', 'include', 'subfile', 'import', 'subimport', 'inputfrom', 'includefrom', 'subinputfrom', 'subincludefrom',
  'externaldocument', 'externalcitedocument',
]);

/** Commands that name a package or class: a local `.sty`/`.cls` of that name is part of the project. */
const PACKAGE_COMMANDS: ReadonlyMap<string, 'class' | 'package'> = new Map([
  ['documentclass', 'class'], ['LoadClass', 'class'], ['usepackage', 'package'], ['RequirePackage', 'package'],
]);

/** `% !TEX root = file` (also `%!TeX root=`), as LaTeX Workshop and TeXLab read it. */
const ROOT_COMMENT = /^%\s*!\s*tex\s+root\s*=(.*)$/i;

const INLINE_VERBATIM_COMMANDS: ReadonlySet<string> = new Set(['verb', 'lstinline', 'mintinline']);

/** TeX's own conditionals (a `\newif` one is any other `\if...` not followed by a brace group). */
const PRIMITIVE_CONDITIONALS: ReadonlySet<string> = new Set([
  'if', 'ifcat', 'ifnum', 'ifdim', 'ifodd', 'ifvmode', 'ifhmode', 'ifmmode', 'ifinner', 'ifvoid', 'ifhbox', 'ifvbox',
  'ifx', 'ifeof', 'iftrue', 'iffalse', 'ifcase', 'ifdefined', 'ifcsname', 'iffontchar', 'ifincsname',
]);

export const latexLineLexer: LineLexer<LatexState, LexedLine<LatexState>> = {
  initialState: INITIAL,
  lexLine: lexLatexLine,
  sameState(a, b) {
    return (
      a === b ||
      (a.math === b.math &&
        a.mathDepth === b.mathDepth &&
        a.mathEnvironments === b.mathEnvironments &&
        a.dollarArgument === b.dollarArgument &&
        a.oddDollars === b.oddDollars &&
        a.skip === b.skip &&
        a.verbatim === b.verbatim &&
        a.verbatimDepth === b.verbatimDepth &&
        (a.definition === b.definition ||
          (a.definition !== null &&
            b.definition !== null &&
            a.definition.command === b.definition.command &&
            a.definition.raw === b.definition.raw &&
            a.definition.depth === b.definition.depth &&
            a.definition.groups === b.definition.groups)))
    );
  },
};

function lexLatexLine(text: string, start: LatexState): LexedLine<LatexState> {
  const tokens: LineToken[] = [];
  let { math, mathDepth, mathEnvironments, dollarArgument, oddDollars, skip, verbatim, verbatimDepth, definition } = start;
  /** Brace depth of the text outside math since the line's start (negative: it closes braces opened on lines
   * before). Kept per line, not in the state, so typing `\section{` re-lexes one line, not the document. */
  let group = 0;
  const n = text.length;
  let stop = n; // where meaningful text ends (a comment starts)
  let i = 0;
  /** Where the name of the last control word ended: a `$` right after it may be that macro's delimiter. */
  let wordEnd = -1;
  /** Where the verbatim environment's next `\end` and (for a nesting one) `\begin` stand (n: none). */
  let nextCloser = -1;
  let nextOpener = verbatim !== null && NESTING_VERBATIM.has(verbatim) ? -1 : n;
  const findFrom = (needle: string, from: number): number => {
    const at = text.indexOf(needle, from);
    return at < 0 ? n : at;
  };

  const isBlank = /^\s*$/.test(text);
  if (isBlank && definition === null && verbatim === null && skip === 0) {
    if (math === '$' || math === '$$' || math === '\\(' || math === '\\[') {
      // TeX ends a paragraph here and reports the math as never closed.
      tokens.push({ t: 'mathUnclosed', ch: 0, endCh: 0, depth: mathDepth });
      leaveMath();
    }
    return finish();
  }

  function leaveMath(): void {
    math = null;
    mathDepth = 0;
    mathEnvironments = 0;
    dollarArgument = false;
    oddDollars = false;
  }
  const openMath = (delimiter: MathDelimiter, ch: number, endCh: number): void => {
    tokens.push({ t: 'mathOpen', delimiter, ch, endCh });
    math = delimiter;
    mathDepth = 0;
    mathEnvironments = 0;
    dollarArgument = false;
    oddDollars = false;
  };
  const closeMath = (ch: number, endCh: number): void => {
    if (mathDepth !== 0) tokens.push({ t: 'mathBraces', depth: mathDepth, ch, endCh });
    tokens.push({ t: 'mathClose', delimiter: math!, ch, endCh });
    leaveMath();
  };
  /** Inside a brace group, an environment or an alignment's cell within math: text-mode math may stand here. */
  const textInMath = (): boolean => mathDepth > 0 || mathEnvironments > 0 || (math !== null && ALIGNMENT_ENVIRONMENTS.has(math));

  while (i < n) {
    if (verbatim !== null) {
      const closer = `\\end{${verbatim}}`;
      // Each search starts where the last one found nothing before: a line of 50,000 nested `\begin`s stays linear.
      if (nextCloser < i) nextCloser = findFrom(closer, i);
      if (NESTING_VERBATIM.has(verbatim) && nextOpener < i) nextOpener = findFrom(`\\begin{${verbatim}}`, i);
      if (nextOpener < nextCloser) {
        verbatimDepth++;
        i = nextOpener + verbatim.length + 8;
        continue;
      }
      if (nextCloser >= n) break;
      const at = nextCloser;
      i = at + closer.length;
      if (verbatimDepth > 0) {
        verbatimDepth--;
        continue;
      }
      tokens.push({ t: 'end', name: verbatim, ch: at, endCh: i });
      verbatim = null;
      if (math !== null && mathEnvironments > 0) mathEnvironments--; // a tikzpicture inside `\[ ... \]`
      continue;
    }
    if (definition !== null) {
      const consumed = continueDefinition(text, i, definition);
      i = consumed.next;
      definition = consumed.pending;
      if (consumed.done) {
        pushDefinition(tokens, definition, i);
        definition = null;
      } else if (consumed.comment) {
        stop = Math.min(stop, i);
        break;
      }
      continue;
    }
    if (skip > 0) {
      i = skipFalseBranch(i);
      continue;
    }

    const c = text.charCodeAt(i);
    if (c === 37 /* % */) {
      stop = i;
      if (text.includes('!', i)) {
        const root = ROOT_COMMENT.exec(text.slice(i))?.[1]?.trim();
        if (root) tokens.push({ t: 'rootComment', path: root, ch: i, endCh: n });
      }
      break;
    }
    if (c === 92 /* \ */) {
      const next = text.charCodeAt(i + 1);
      if (!isLetter(next)) {
        lexSymbol(text[i + 1], i);
        i += 2;
        continue;
      }
      let j = i + 1;
      while (j < n && isLetter(text.charCodeAt(j))) j++;
      const name = text.slice(i + 1, j);
      wordEnd = j;
      i = lexCommand(name, i, j);
      continue;
    }
    if (c === 123 /* { */) {
      if (math === null) group++;
      else if (mathDepth++ === 0) oddDollars = false;
    } else if (c === 125 /* } */) {
      if (math === null) group--;
      else if (--mathDepth === 0 && oddDollars) {
        // `$\Sat{M}{A$}`: the `$` inside the argument ended the math; the text goes on after the group.
        tokens.push({ t: 'mathClose', delimiter: math, ch: i, endCh: i + 1 });
        leaveMath();
      }
    } else if (c === 36 /* $ */) {
      i = lexDollar(i);
      continue;
    }
    i++;
  }

  if (definition !== null) {
    const raw = `${definition.raw}\n`;
    if (definition.depth === 0 && definition.groups >= requiredGroups(definition)) {
      pushDefinition(tokens, { ...definition, raw }, n);
      definition = null;
    } else if (raw.length > MAX_DEFINITION_LENGTH) {
      tokens.push({
        t: 'issue',
        code: 'unclosed-definition',
        certainty: 'likely',
        message: `\`\\${definition.command}\` does not close its braces within ${MAX_DEFINITION_LENGTH.toLocaleString('en')} characters; it is ignored from here on.`,
        ch: 0,
        endCh: n,
      });
      definition = null;
    } else {
      definition = { ...definition, raw };
    }
  }
  return finish();

  /** `\(`, `\)`, `\[`, `\]` and the escaped symbols (`\{`, `\$`, `\\`...). */
  function lexSymbol(symbol: string | undefined, at: number): void {
    if (symbol === '(' || symbol === '[') {
      const delimiter = symbol === '(' ? '\\(' : '\\[';
      if (math === null) openMath(delimiter, at, at + 2);
      else if (!textInMath()) {
        tokens.push({ t: 'issue', code: 'math-mode-conflict', certainty: 'certain', message: `\`${delimiter}\` opens math inside math that is already open (${describeMath(math)}).`, ch: at, endCh: at + 2 });
      }
      // Inside a brace group in math (`\fbox{\(45\)}`, `\text{if \(x>0\)}`) it is text-mode math.
      return;
    }
    if (symbol !== ')' && symbol !== ']') return;
    const expected = symbol === ')' ? '\\(' : '\\[';
    if (math !== null && textInMath()) return; // the partner of a `\(` in text inside the math
    if (math === expected) {
      closeMath(at, at + 2);
      return;
    }
    tokens.push(unmatchedClose(`\\${symbol}`, expected, math, at, at + 2));
    // The closer was meant to end the math: it does, so the text after it is read as text again.
    if (math !== null && !math.startsWith('env:')) leaveMath();
  }

  /** A `$` or `$$` at `at`; returns where lexing goes on. */
  function lexDollar(at: number): number {
    const double = text.charCodeAt(at + 1) === 36;
    const width = double ? 2 : 1;
    if (math === null) {
      openMath(double ? '$$' : '$', at, at + width);
      return at + width;
    }
    if (dollarArgument) {
      dollarArgument = false;
      return at + 1;
    }
    if (math === '$' && !textInMath()) {
      closeMath(at, at + 1);
      return at + 1;
    }
    // `$$` ends display math even inside unbalanced braces (reported as such), never text-in-math.
    if (math === '$$' && double) {
      closeMath(at, at + 2);
      return at + 2;
    }
    if (textInMath()) {
      // Text-mode math inside `\text{...}`, `\mbox`, a tabular, an alignment's cell...
      if (math === '$' && mathEnvironments === 0 && !double) oddDollars = !oddDollars;
      return at + width;
    }
    if (double && (math === '\\[' || math === '\\(')) {
      // `\[ ... $$`: the wrong closer; it ends the math all the same.
      tokens.push(unmatchedClose('$$', math, math, at, at + 2));
      leaveMath();
      return at + 2;
    }
    if (!double && wordEnd >= 0 && text.slice(wordEnd, at).trim() === '') {
      // `\Axiom$\Gamma \fCenter \Delta$` (bussproofs): a macro whose argument is delimited by `$`s.
      const close = text.indexOf('$', at + 1);
      if (close >= 0) return close + 1;
      dollarArgument = true;
      return at + 1;
    }
    tokens.push({ t: 'issue', code: 'math-mode-conflict', certainty: 'certain', message: `\`${double ? '$$' : '$'}\` inside math that is already open (${describeMath(math)}).`, ch: at, endCh: at + width });
    return at + width;
  }

  /** In the false branch of `\iffalse`: only conditionals count, as TeX skips the rest. */
  function skipFalseBranch(from: number): number {
    let at = from;
    while (at < n) {
      const c = text.charCodeAt(at);
      if (c === 37 /* % */) {
        stop = Math.min(stop, at);
        return n;
      }
      if (c === 92 /* \ */ && isLetter(text.charCodeAt(at + 1))) {
        let j = at + 1;
        while (j < n && isLetter(text.charCodeAt(j))) j++;
        const name = text.slice(at + 1, j);
        if (name === 'fi') {
          skip--;
          if (skip === 0) tokens.push({ t: 'conditional', part: 'fi', ch: at, endCh: j });
        } else if ((name === 'else' || name === 'or') && skip === 1) {
          skip = 0;
          tokens.push({ t: 'conditional', part: 'else', ch: at, endCh: j });
        } else if (isConditional(name, j)) skip++;
        if (skip === 0) return j;
        at = j;
        continue;
      }
      at += c === 92 ? 2 : 1;
    }
    return n;
  }

  /** Whether `\name` (its name ending at `afterName`) opens a TeX conditional: a primitive, or a `\newif`
   * one (etoolbox's `\ifdef{...}{...}{...}` and the like take brace groups and need no `\fi`). */
  function isConditional(name: string, afterName: number): boolean {
    if (PRIMITIVE_CONDITIONALS.has(name)) return true;
    return name.startsWith('if') && name !== 'iff' && text[skipWhitespace(text, afterName)] !== '{';
  }

  function lexCommand(name: string, at: number, afterName: number): number {
    if (name === 'begin' || name === 'end') return lexEnvironment(name, at, afterName);
    if (name.startsWith('if') && isConditional(name, afterName)) {
      tokens.push({ t: 'conditional', part: 'if', ch: at, endCh: afterName });
      if (name === 'iffalse') skip = 1;
      return afterName;
    }
    if (name === 'else' || name === 'or' || name === 'fi') {
      tokens.push({ t: 'conditional', part: name === 'fi' ? 'fi' : 'else', ch: at, endCh: afterName });
      return afterName;
    }
    if (name === 'newif') {
      // `\newif\ifwide` declares a conditional; it opens none.
      const declared = skipWhitespace(text, afterName);
      if (text[declared] !== '\\') return afterName;
      let j = declared + 1;
      while (j < n && isLetter(text.charCodeAt(j))) j++;
      return j;
    }
    if (math !== null && math !== '$') {
      // `\inferrule*[right=$\to$I]`: `$` in a command's optional argument inside display math is text-mode math.
      const option = readBracketGroup(text, text[afterName] === '*' ? afterName + 1 : afterName);
      if (option && option.inner.includes('$') && !/\\[()[\]]|\\end\b/.test(option.inner)) return option.end;
    }
    if (name === 'label') {
      const group = readBraceGroup(text, afterName);
      if (!group) return afterName;
      tokens.push({ t: 'label', name: group.inner.trim(), ch: at, endCh: group.end });
      return group.end;
    }
    if (REFERENCE_COMMANDS.has(name)) {
      let from = afterName;
      if (text[from] === '*') from++;
      const option = name === 'hyperref' ? readBracketGroup(text, from) : undefined;
      if (option) {
        tokens.push({ t: 'ref', command: name, name: option.inner.trim(), ch: at, endCh: option.end });
        return option.end;
      }
      const group = readBraceGroup(text, from);
      if (!group) return afterName;
      tokens.push(...referenceTokens(name, group.inner, at, group.end));
      return group.end;
    }
    if (name === 'item') {
      tokens.push({ t: 'item', ch: at, endCh: afterName });
      return afterName;
    }
    if (INCLUDE_COMMANDS.has(name)) return lexInclude(name, at, afterName);
    const packageKind = PACKAGE_COMMANDS.get(name);
    if (packageKind) {
      const option = readBracketGroup(text, afterName);
      const names = readBraceGroup(text, option?.end ?? afterName);
      if (!names) return afterName;
      tokens.push({
        t: 'package',
        kind: packageKind,
        names: names.inner.split(',').map((n) => n.trim()).filter((n) => n !== ''),
        option: option?.inner.trim(),
        ch: at,
        endCh: names.end,
      });
      return names.end;
    }
    if (INLINE_VERBATIM_COMMANDS.has(name)) return skipInlineVerbatim(text, afterName);
    if (DEFINITION_COMMANDS.has(name)) {
      const starred = text[afterName] === '*';
      definition = { command: starred ? `${name}*` : name, raw: '', depth: 0, groups: 0 };
      return starred ? afterName + 1 : afterName;
    }
    return afterName;
  }

  /** `\begin{name}[option]` and `\end{name}`, and what they do to math. */
  function lexEnvironment(command: 'begin' | 'end', at: number, afterName: number): number {
    const braces = readBraceGroup(text, afterName);
    if (!braces) return afterName;
    const envName = braces.inner.trim();
    const textDepth = group !== 0 ? { textDepth: group } : {};
    if (command === 'end') {
      if (math === `env:${envName}`) {
        if (mathDepth !== 0) tokens.push({ t: 'mathBraces', depth: mathDepth, ch: at, endCh: braces.end });
        leaveMath();
      } else if (math !== null && mathEnvironments > 0) {
        mathEnvironments--;
      } else if (math !== null) {
        // The environment around the math ends while the math is open: for `$`, `\(`, `\[` math that is the
        // math's fault, reported here; an equation environment ended by another name (`\end{align}` for
        // `align*`, `\end{proof}`) is the environments' mismatch, which the structure reports.
        if (!math.startsWith('env:')) tokens.push({ t: 'mathUnclosed', ch: at, endCh: braces.end, before: `\\end{${shortName(envName)}}`, depth: mathDepth });
        leaveMath();
      }
      tokens.push({ t: 'end', name: envName, ch: at, endCh: braces.end, ...textDepth });
      return braces.end;
    }
    if (math !== null) mathEnvironments++;
    const option = readBracketGroup(text, braces.end);
    // The token spans the optional argument too: `\begin{theorem}[AM-GM]` is the statement's header.
    tokens.push(
      option
        ? { t: 'begin', name: envName, ch: at, endCh: option.end, option: option.inner, ...textDepth }
        : { t: 'begin', name: envName, ch: at, endCh: braces.end, ...textDepth },
    );
    if (VERBATIM_ENVIRONMENTS.has(envName)) {
      verbatim = envName;
      nextCloser = -1;
      nextOpener = NESTING_VERBATIM.has(envName) ? -1 : n;
    } else if (MATH_ENVIRONMENTS.has(envName)) {
      if (math === null) {
        math = `env:${envName}`;
        mathDepth = 0;
        mathEnvironments = 0;
        dollarArgument = false;
        oddDollars = false;
      } else if (mathDepth <= 0 && mathEnvironments === 1) {
        tokens.push({ t: 'issue', code: 'math-mode-conflict', certainty: 'certain', message: `\`\\begin{${shortName(envName)}}\` starts display math inside math that is already open (${describeMath(math)}).`, ch: at, endCh: braces.end });
      }
    }
    return braces.end;
  }

  /** `\input{file}`, `\input file`, `\include{file}`, `\import{folder}{file}`, `\subimport*{folder}{file}`. */
  function lexInclude(name: string, at: number, afterName: number): number {
    let from = text[afterName] === '*' ? afterName + 1 : afterName;
    const twoArguments = name.includes('import') || name.endsWith('from');
    let folder: string | undefined;
    if (twoArguments) {
      const first = readBraceGroup(text, from);
      if (!first) {
        tokens.push({ t: 'include', command: name, target: undefined, ch: at, endCh: afterName });
        return afterName;
      }
      folder = first.inner.trim();
      from = first.end;
    }
    // xr's `\externaldocument[prefix]{file}`.
    const prefix = name === 'externaldocument' ? readBracketGroup(text, from) : undefined;
    if (prefix) from = prefix.end;
    const group = readBraceGroup(text, from);
    if (group) {
      tokens.push({
        t: 'include',
        command: name,
        target: group.inner.trim() || undefined,
        ...(folder !== undefined ? { folder } : {}),
        ...(prefix ? { prefix: prefix.inner.trim() } : {}),
        ch: at,
        endCh: group.end,
      });
      return group.end;
    }
    if (name === 'input' && text[from] === ' ') {
      // TeX's own form, `\input chapters/one`: the name runs to the next space or brace.
      const start = skipWhitespace(text, from);
      let end = start;
      while (end < n && end - start < MAX_GROUP_LENGTH && !/[\s{}%\\]/.test(text[end]!)) end++;
      if (end > start) {
        tokens.push({ t: 'include', command: name, target: text.slice(start, end), ch: at, endCh: end });
        return end;
      }
    }
    tokens.push({ t: 'include', command: name, target: undefined, ch: at, endCh: afterName });
    return afterName;
  }

  function finish(): LexedLine<LatexState> {
    if (group !== 0) tokens.push({ t: 'textBraces', delta: group, ch: stop, endCh: stop });
    const extent = describeLine(text, stop);
    const first = tokens[0];
    const startsWithDisplay =
      extent.kind === 'content' &&
      first !== undefined &&
      first.ch === extent.contentStart &&
      ((first.t === 'mathOpen' && (first.delimiter === '$$' || first.delimiter === '\\[')) ||
        (first.t === 'begin' && MATH_ENVIRONMENTS.has(first.name)));
    const endState: LatexState =
      math === start.math &&
      mathDepth === start.mathDepth &&
      mathEnvironments === start.mathEnvironments &&
      dollarArgument === start.dollarArgument &&
      oddDollars === start.oddDollars &&
      skip === start.skip &&
      verbatim === start.verbatim &&
      verbatimDepth === start.verbatimDepth &&
      definition === start.definition
        ? start
        : { math, mathDepth, mathEnvironments, dollarArgument, oddDollars, skip, verbatim, verbatimDepth, definition };
    return { endState, tokens, ...extent, startsWithDisplay };
  }
}

/** A math closer that matches no open math: `\)` or `\]` with none open, or a closer of the wrong kind. */
function unmatchedClose(written: string, expected: MathDelimiter, open: MathDelimiter | null, ch: number, endCh: number): LineToken {
  const opener = expected === '\\(' ? '\\(' : '\\[';
  const closer = (delimiter: MathDelimiter): string => (delimiter === '\\(' ? '\\)' : delimiter === '\\[' ? '\\]' : delimiter.startsWith('env:') ? `\\end{${delimiter.slice(4)}}` : delimiter);
  return {
    t: 'issue',
    code: 'unmatched-math-close',
    certainty: 'certain',
    message:
      open === null
        ? `\`${written}\` closes math that was never opened with \`${opener}\`.`
        : `\`${written}\` does not match the open ${describeMath(open)}: close it with \`${closer(open)}\`.`,
    ch,
    endCh,
  };
}

export function describeMath(delimiter: MathDelimiter): string {
  return delimiter.startsWith('env:') ? `\`${delimiter.slice(4)}\` environment` : `\`${delimiter}\` math`;
}

/** Skips `\verb|...|`, `\lstinline{...}`, `\mintinline{lang}|...|` on the same line. */
function skipInlineVerbatim(text: string, from: number): number {
  let i = from;
  if (text[i] === '*') i++;
  const option = readBracketGroup(text, i);
  if (option) i = option.end;
  if (text[i] === '{') {
    const group = readBraceGroupInDefinition(text, i);
    if (!group) return text.length;
    // \mintinline{lang}|code| : the first group is the language.
    if (text[group.end] !== undefined && !/[\s{]/.test(text[group.end]!) && text[i - 1] !== '*') {
      const close = text.indexOf(text[group.end]!, group.end + 1);
      return close < 0 ? text.length : close + 1;
    }
    return group.end;
  }
  const delimiter = text[i];
  if (delimiter === undefined) return i;
  const close = text.indexOf(delimiter, i + 1);
  return close < 0 ? text.length : close + 1;
}

/**
 * Consumes a declaration's text from `from`: it ends when its braces balance and no further argument
 * (`{` or `[`) follows on the line.
 */
function continueDefinition(
  text: string,
  from: number,
  pending: PendingDefinition,
): { next: number; pending: PendingDefinition; done: boolean; comment: boolean } {
  let depth = pending.depth;
  let groups = pending.groups;
  let i = from;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '%') {
      return { next: i, pending: { ...pending, raw: pending.raw + text.slice(from, i), depth, groups }, done: false, comment: true };
    }
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) {
        groups++;
        const after = skipWhitespace(text, i + 1);
        const more = text[after] === '{' || text[after] === '[';
        const complete = { ...pending, raw: pending.raw + text.slice(from, i + 1), depth, groups };
        if (!more && groups >= requiredGroups(complete)) return { next: i + 1, pending: complete, done: true, comment: false };
      }
    }
  }
  return { next: i, pending: { ...pending, raw: pending.raw + text.slice(from, i), depth, groups }, done: false, comment: false };
}

/** How many brace groups a declaration takes (`\newenvironment{name}{begin}{end}` takes three). */
function requiredGroups({ command, raw }: PendingDefinition): number {
  const nameIsControlSequence = raw.trimStart().startsWith('\\') ? 1 : 0;
  switch (command.replace(/\*$/, '')) {
    case 'newenvironment':
    case 'renewenvironment':
      return 3;
    case 'NewDocumentEnvironment':
      return 4;
    case 'NewDocumentCommand':
    case 'RenewDocumentCommand':
    case 'ProvideDocumentCommand':
    case 'DeclareDocumentCommand':
      return 3 - nameIsControlSequence;
    case 'newtheorem':
      return 2;
    case 'declaretheorem':
    case 'def':
      return 1;
    default:
      return 2 - nameIsControlSequence;
  }
}

function pushDefinition(tokens: LineToken[], pending: PendingDefinition, ch: number): void {
  const definition = parseDefinition(pending.command.replace(/\*$/, ''), pending.command.endsWith('*'), pending.raw);
  if (definition) tokens.push({ t: 'definition', definition, ch, endCh: ch });
}

/** Interprets a complete declaration; undefined when it declares nothing analysis cares about. */
export function parseDefinition(command: string, starred: boolean, raw: string): Definition | undefined {
  switch (command) {
    case 'newtheorem': {
      const name = readBraceGroupInDefinition(raw, 0);
      if (!name) return undefined;
      let at = name.end;
      const counter = readBracketGroupInDefinition(raw, at);
      if (counter) at = counter.end;
      const title = readBraceGroupInDefinition(raw, at);
      return theoremDefinition(name.inner.trim(), title?.inner.trim() ?? name.inner.trim());
    }
    case 'declaretheorem': {
      let at = 0;
      const before = readBracketGroupInDefinition(raw, at);
      if (before) at = before.end;
      const name = readBraceGroupInDefinition(raw, at);
      if (!name) return undefined;
      const after = readBracketGroupInDefinition(raw, name.end);
      const options = `${before?.inner ?? ''},${after?.inner ?? ''}`;
      const titled = /(?:^|,)\s*(?:name|title)\s*=\s*\{?([^,}]+)/.exec(options);
      return theoremDefinition(name.inner.trim(), titled?.[1]?.trim() ?? name.inner.trim());
    }
    case 'newenvironment':
    case 'renewenvironment':
    case 'NewDocumentEnvironment': {
      const name = readBraceGroupInDefinition(raw, 0);
      if (!name) return undefined;
      const wrapped = /\\begin\s*\{([^}]{1,256})\}/.exec(raw.slice(name.end));
      if (!wrapped) return undefined;
      return { kind: 'environmentAlias', name: name.inner.trim(), wraps: wrapped[1]!.trim() };
    }
    case 'newcommand':
    case 'renewcommand':
    case 'providecommand':
    case 'DeclareRobustCommand': {
      const head = readMacroName(raw);
      if (!head) return undefined;
      let at = head.end;
      const arity = readBracketGroupInDefinition(raw, at);
      if (arity) at = arity.end;
      const optional = readBracketGroupInDefinition(raw, at);
      if (optional) at = optional.end;
      const body = readBraceGroupInDefinition(raw, at);
      if (!body) return undefined;
      return {
        kind: 'macro',
        name: head.name,
        arity: Number.parseInt(arity?.inner ?? '0', 10) || 0,
        body: body.inner,
        ...(optional ? { defaultArgument: optional.inner } : {}),
      };
    }
    case 'NewDocumentCommand':
    case 'RenewDocumentCommand':
    case 'ProvideDocumentCommand':
    case 'DeclareDocumentCommand': {
      const head = readMacroName(raw);
      const spec = head && readBraceGroupInDefinition(raw, head.end);
      const body = spec && readBraceGroupInDefinition(raw, spec.end);
      if (!head || !spec || !body) return undefined;
      return { kind: 'command', name: head.name, spec: spec.inner, body: body.inner };
    }
    case 'DeclareMathOperator': {
      const head = readMacroName(raw);
      const body = head && readBraceGroupInDefinition(raw, head.end);
      if (!head || !body) return undefined;
      return { kind: 'macro', name: head.name, arity: 0, body: `\\operatorname${starred ? '*' : ''}{${body.inner}}` };
    }
    case 'def': {
      const head = readMacroName(raw);
      if (!head) return undefined;
      const open = raw.indexOf('{', head.end);
      const body = open < 0 ? undefined : readBraceGroupInDefinition(raw, open);
      if (!body) return undefined;
      const parameters = raw.slice(head.end, open).match(/#[1-9]/g)?.length ?? 0;
      return { kind: 'macro', name: head.name, arity: parameters, body: body.inner };
    }
    default:
      return undefined;
  }
}

/** Declarations and inline code have longer groups than names: bounded by the declaration limit instead. */
function readBraceGroupInDefinition(text: string, from: number): ReturnType<typeof readBraceGroup> {
  return readBraceGroup(text, from, MAX_DEFINITION_LENGTH);
}

function readBracketGroupInDefinition(text: string, from: number): ReturnType<typeof readBracketGroup> {
  return readBracketGroup(text, from, MAX_DEFINITION_LENGTH);
}

/** A `\newtheorem`/`\declaretheorem` environment: a proof, a statement to prove (by its word), or another
 * theorem-like environment (a definition, a fact, an observation), which a proof may follow all the same. */
function theoremDefinition(name: string, title: string): Definition {
  if (isProofWord(title) || isProofWord(name)) return { kind: 'proofEnvironment', name };
  const statementKind: StatementKind | undefined = classifyStatementWord(title) ?? classifyStatementWord(name);
  if (!statementKind) return { kind: 'theoremLike', name, title };
  return { kind: 'statementEnvironment', name, statementKind, title };
}

/** Reads `{\name}` or `\name` at the start of a declaration's text. */
function readMacroName(raw: string): { name: string; end: number } | undefined {
  const group = readBraceGroupInDefinition(raw, 0);
  const source = group ? group.inner.trim() : raw.slice(skipWhitespace(raw, 0));
  const match = /^\\([A-Za-z@]+|.)/.exec(source);
  if (!match) return undefined;
  return { name: match[1]!, end: group ? group.end : skipWhitespace(raw, 0) + match[0].length };
}
