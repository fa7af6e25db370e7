/**
 * The Markdown line lexer: headings, list items, statement and proof labels, proof end marks, math
 * (`$..$`, `$$..$$`, `\(..\)`, `\[..\]`) and the code (fenced blocks, backtick spans) that is never math.
 *
 * Why not markdown-it here: it parses the whole document at once (5-15 ms per 2,500 lines measured here,
 * too much to repeat on each keystroke), knows nothing of math, and gives inline tokens no source columns,
 * which every diagnostic and proof step needs. markdown-it renders proofs in the side panel instead.
 * Inline `$` follows Pandoc's rule (an opening `$` has a non-space to its right, a closing one a non-space
 * to its left and no digit after it), so prices such as "$5 and $6" are not taken for math.
 */
import type { LineLexer } from './incremental';
import { shortName } from './proofDocument';
import {
  classifyStatementWord,
  describeLine,
  isLetter,
  isSpace,
  readBraceGroup,
  REFERENCE_COMMANDS,
  referenceTokens,
  type LexedLine,
  type LineToken,
  type MathDelimiter,
} from './tokens';

export interface MarkdownState {
  /** Inside a fenced code block: its fence (e.g. "```" or "~~~~"). */
  readonly fence: string | null;
  readonly math: MathDelimiter | null;
  readonly mathDepth: number;
  /** Inside a backtick code span opened by this many backticks (0: none). */
  readonly codeTicks: number;
  /** The previous line was text of the same paragraph. */
  readonly inParagraph: boolean;
  /** Inside a raw HTML block (`<script>`, `<style>`, `<div>`, a comment...) or the front matter: what ends
   * it (a closing tag or marker, `blank` for a blank line, `front` for the front matter's `---`). Not prose:
   * no math, no statements. */
  readonly raw: string | null;
  /** The line is the document's first (where front matter may start). */
  readonly atStart: boolean;
  /** A list is in progress: an indented line continues an item, it starts no code block. */
  readonly listed: boolean;
  /** The open math is a `$$` block opened on a line of its own: Typora, Obsidian, kramdown and MathJax let
   * it run over blank lines to its closing `$$`. */
  readonly mathBlock: boolean;
}

const INITIAL: MarkdownState = { fence: null, math: null, mathDepth: 0, codeTicks: 0, inParagraph: false, raw: null, atStart: true, listed: false, mathBlock: false };

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
/** A heading's opening `#`s; its text is cut out by headingText (a regex for the whole line backtracks
 * quadratically on `# a` + 100,000 spaces + `b`). */
const HEADING_OPEN = /^ {0,3}(#{1,6})(?=[ \t]|$)/;
const LIST_MARKER = /^ *(?:[-+*]|\d{1,9}[.)])[ \t]+/;
const BLOCKQUOTE = /^(?: {0,3}>[ \t]?)+/;
const STATEMENT_WORDS = ['Theorem', 'Lemma', 'Proposition', 'Corollary', 'Claim', 'Problem', 'Exercise', 'Conjecture', 'Question'];
/** `**Proof.**`, `*Proof of Lemma 2.*`, `**Solution:**` and, at a paragraph start, plain `Proof.` */
const PROOF_LABEL = /^(\*\*|__|\*|_)?\s*(Proof|Solution)\b([^*_.:\n]{0,80})[.:]\s*\1/i;
/** A claim in plain text at a paragraph's start, as solutions state them: "Claim 1.", "Claim:", "Claim (key).",
 * "Claim - ...". Every run is bounded: no backtracking on long runs of spaces. */
const PLAIN_CLAIM = /^Claim(?:[ \t]{1,4}(\d{1,4}[a-z]?|[IVX]{1,6}))?[ \t]{0,4}(?:\(([^()\n]{0,80})\)[ \t]{0,4})?(?:[.:]|[-\u2013\u2014][ \t])/i;
/** CommonMark's HTML blocks that run to a closing tag (kind 1) or marker (kinds 2-5). */
const HTML_UNTIL_MARKER: readonly [RegExp, string][] = [
  [/^ {0,3}<(script|pre|style|textarea)(?=[\s>]|$)/i, '</$1>'],
  [/^ {0,3}<!--/, '-->'],
  [/^ {0,3}<\?/, '?>'],
  [/^ {0,3}<![A-Za-z]/, '>'],
  [/^ {0,3}<!\[CDATA\[/, ']]>'],
];
/** CommonMark's HTML blocks that run to a blank line: a block-level tag (kind 6), or a lone complete tag
 * that does not interrupt a paragraph (kind 7). */
const HTML_BLOCK_TAG =
  /^ {0,3}<\/?(?:address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul)(?=[\s>]|\/>|$)/i;
const HTML_LONE_TAG = /^ {0,3}<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>\s*$/;

export const markdownLineLexer: LineLexer<MarkdownState, LexedLine<MarkdownState>> = {
  initialState: INITIAL,
  lexLine: lexMarkdownLine,
  sameState(a, b) {
    return (
      a === b ||
      (a.fence === b.fence &&
        a.math === b.math &&
        a.mathDepth === b.mathDepth &&
        a.codeTicks === b.codeTicks &&
        a.inParagraph === b.inParagraph &&
        a.raw === b.raw &&
        a.atStart === b.atStart &&
        a.listed === b.listed &&
        a.mathBlock === b.mathBlock)
    );
  },
};

function lexMarkdownLine(text: string, start: MarkdownState): LexedLine<MarkdownState> {
  const tokens: LineToken[] = [];
  let { fence, math, mathDepth, codeTicks, raw, listed, mathBlock } = start;
  let inParagraph = true;
  const n = text.length;

  if (raw !== null) {
    if (raw === 'blank' ? /^\s*$/.test(text) : raw === 'front' ? /^(?:---|\.\.\.)\s*$/.test(text) : text.toLowerCase().includes(raw)) raw = null;
    inParagraph = false;
    return finish(false);
  }
  if (start.atStart && /^---\s*$/.test(text)) {
    // YAML front matter (Jekyll, Hugo, Pandoc): metadata, not prose.
    raw = 'front';
    inParagraph = false;
    return finish(false);
  }
  if (fence !== null) {
    const close = FENCE.exec(text);
    if (close && close[1]![0] === fence[0] && close[1]!.length >= fence.length && close[2]!.trim() === '') fence = null;
    return finish(false);
  }

  if (/^\s*$/.test(text)) {
    // Math never spans paragraphs (Pandoc's rule, display math included): a stray `$$` is reported where it
    // was typed, instead of pairing with the next one below and shifting every pair after it. A `$$` block
    // opened on a line of its own is the exception: many renderers run it over blank lines.
    if (math !== null && !mathBlock) {
      tokens.push({ t: 'mathUnclosed', ch: 0, endCh: 0, depth: mathDepth });
      math = null;
      mathDepth = 0;
      mathBlock = false;
    }
    codeTicks = 0;
    inParagraph = false;
    return finish(false);
  }

  const quote = BLOCKQUOTE.exec(text);
  let base = quote ? quote[0].length : 0;

  if (math !== null && codeTicks === 0) {
    // Nor does it run into a heading (`#` cannot stand in TeX math): the heading ends it, unclosed.
    const heading = HEADING_OPEN.exec(text.slice(base));
    if (heading) {
      const title = `${heading[1]} ${headingText(text.slice(base + heading[0].length))}`;
      tokens.push({ t: 'mathUnclosed', ch: base, endCh: base, before: shortName(title), depth: mathDepth });
      math = null;
      mathDepth = 0;
      mathBlock = false;
    }
  }

  if (math === null && codeTicks === 0) {
    const opened = FENCE.exec(text.slice(base));
    if (opened && !(opened[1]![0] === '`' && opened[2]!.includes('`'))) {
      fence = opened[1]!;
      inParagraph = false;
      return finish(false);
    }
    const indent = indentOf(text);
    if (base === 0 && indent >= 4 && !start.inParagraph && !listed) {
      // An indented code block (CommonMark): code, not prose.
      inParagraph = false;
      return finish(false);
    }
    const html = base === 0 ? htmlBlockEnd(text, start.inParagraph) : undefined;
    if (html !== undefined) {
      raw = html === 'blank' || !text.toLowerCase().includes(html) ? html : null;
      inParagraph = false;
      return finish(false);
    }
    const heading = HEADING_OPEN.exec(text.slice(base));
    if (heading) {
      tokens.push({ t: 'heading', level: heading[1]!.length, text: headingText(text.slice(base + heading[0].length)), ch: base, endCh: n });
      inParagraph = false;
    } else {
      const list = LIST_MARKER.exec(text.slice(base));
      listed = list !== null || (listed && indent > 0);
      if (list) {
        tokens.push({ t: 'item', ch: base, endCh: base + list[0].length });
        base += list[0].length;
      }
      lexLabel(text.slice(base), base, !start.inParagraph || list !== null);
    }
  }

  let i = base;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (codeTicks > 0) {
      if (c === 96 /* ` */) {
        const run = backtickRun(text, i);
        if (run === codeTicks) codeTicks = 0;
        i += run;
      } else i++;
      continue;
    }
    if (c === 92 /* \ */) {
      i = lexBackslash(i);
      continue;
    }
    if (c === 96 && math === null) {
      const run = backtickRun(text, i);
      codeTicks = run;
      i += run;
      continue;
    }
    if (c === 36 /* $ */) {
      i = lexDollar(i);
      continue;
    }
    if (c === 0x220e /* ∎ */ || c === 0x25a1 /* □ */ || c === 0x25a0 /* ■ */) {
      // An end mark counts even where a stray `$` left math open: the proof still ends here.
      tokens.push({ t: 'proofEnd', ch: i, endCh: i + 1 });
    } else if (math !== null) {
      if (c === 123) mathDepth++;
      else if (c === 125) mathDepth--;
    } else if (c === 81 /* Q */) {
      const qed = /^Q\.?E\.?D\.?/.exec(text.slice(i, i + 6));
      if (qed && !isWordChar(text.charCodeAt(i - 1)) && !isWordChar(text.charCodeAt(i + qed[0].length))) {
        tokens.push({ t: 'proofEnd', ch: i, endCh: i + qed[0].length });
        i += qed[0].length;
        continue;
      }
    }
    i++;
  }
  return finish(true);

  function lexLabel(rest: string, offset: number, atParagraphStart: boolean): void {
    const proof = PROOF_LABEL.exec(rest);
    if (proof && (proof[1] !== undefined || atParagraphStart)) {
      const title = proof[3]!.trim() === '' ? {} : { title: `${proof[2]}${proof[3]}`.trim() };
      tokens.push({ t: 'proofLabel', word: proof[2]!, ...title, ch: offset, endCh: offset + proof[0].length });
      return;
    }
    const statement = statementLabel(rest);
    if (!statement) {
      const claim = atParagraphStart ? PLAIN_CLAIM.exec(rest) : null;
      if (claim) tokens.push({ t: 'statementLabel', kind: 'claim', title: ['Claim', claim[1], claim[2] && `(${claim[2]})`].filter(Boolean).join(' '), ch: offset, endCh: offset + claim[0].length });
      return;
    }
    const kind = classifyStatementWord(statement.word);
    if (!kind) return;
    const title = [statement.word, statement.number, statement.note].filter(Boolean).join(' ');
    tokens.push({ t: 'statementLabel', kind, title, ch: offset, endCh: offset + statement.length });
  }

  function lexBackslash(at: number): number {
    const next = text[at + 1];
    if (next === '(' || next === '[') {
      const delimiter: MathDelimiter = next === '(' ? '\\(' : '\\[';
      if (math === null) open(delimiter, at, at + 2);
      return at + 2;
    }
    if (next === ')' || next === ']') {
      const expected = next === ')' ? '\\(' : '\\[';
      if (math === expected) close(at, at + 2);
      else if (math === null) {
        tokens.push({
          t: 'issue',
          code: 'unmatched-math-close',
          // `\]` is also Markdown's escaped bracket: whether it closes math is the renderer's to say.
          certainty: 'likely',
          message: `\`\\${next}\` closes math that was never opened with \`${expected}\`.`,
          ch: at,
          endCh: at + 2,
        });
      }
      return at + 2;
    }
    if (!isLetter(text.charCodeAt(at + 1))) return at + 2;
    let j = at + 1;
    while (j < n && isLetter(text.charCodeAt(j))) j++;
    const name = text.slice(at + 1, j);
    if (name === 'qed' || name === 'blacksquare' || name === 'square' || name === 'Box' || name === 'qedsymbol') {
      // `$\blacksquare$`: the end mark starts at its `$`, so the proof's last step does not end in one.
      const opened = tokens[tokens.length - 1];
      const ch = opened?.t === 'mathOpen' && opened.endCh === at ? opened.ch : at;
      tokens.push({ t: 'proofEnd', ch, endCh: j });
    } else if (name === 'label' || REFERENCE_COMMANDS.has(name)) {
      const group = readBraceGroup(text, j);
      if (!group) return j;
      if (name === 'label') tokens.push({ t: 'label', name: group.inner.trim(), ch: at, endCh: group.end });
      else tokens.push(...referenceTokens(name, group.inner, at, group.end));
      return group.end;
    }
    return j;
  }

  function lexDollar(at: number): number {
    const double = text.charCodeAt(at + 1) === 36;
    if (double) {
      if (math === null) open('$$', at, at + 2);
      else if (math === '$$') close(at, at + 2);
      return at + 2;
    }
    if (math === null) {
      // Pandoc: an opening `$` has a non-space character right after it.
      const after = text.charCodeAt(at + 1);
      if (at + 1 < n && !isSpace(after)) open('$', at, at + 1);
      return at + 1;
    }
    // Markdown renderers end `$` math at the first valid closer, whatever the braces.
    if (math === '$') {
      const before = text.charCodeAt(at - 1);
      const after = text.charCodeAt(at + 1);
      if (!isSpace(before) && !(after >= 48 && after <= 57)) close(at, at + 1);
    }
    return at + 1;
  }

  function open(delimiter: MathDelimiter, ch: number, endCh: number): void {
    tokens.push({ t: 'mathOpen', delimiter, ch, endCh });
    math = delimiter;
    mathDepth = 0;
    mathBlock = delimiter === '$$' && text.trim() === '$$';
  }

  function close(ch: number, endCh: number): void {
    if (mathDepth !== 0) tokens.push({ t: 'mathBraces', depth: mathDepth, ch, endCh });
    tokens.push({ t: 'mathClose', delimiter: math!, ch, endCh });
    math = null;
    mathDepth = 0;
    mathBlock = false;
  }

  function finish(hasText: boolean): LexedLine<MarkdownState> {
    const extent = describeLine(text, n);
    const first = tokens[0];
    const startsWithDisplay =
      hasText &&
      first !== undefined &&
      first.t === 'mathOpen' &&
      (first.delimiter === '$$' || first.delimiter === '\\[') &&
      text.slice(extent.contentStart, first.ch).replace(/[>\s]/g, '') === '';
    const endState: MarkdownState =
      fence === start.fence &&
      math === start.math &&
      mathDepth === start.mathDepth &&
      codeTicks === start.codeTicks &&
      inParagraph === start.inParagraph &&
      raw === start.raw &&
      listed === start.listed &&
      mathBlock === start.mathBlock &&
      !start.atStart
        ? start
        : { fence, math, mathDepth, codeTicks, inParagraph, raw, atStart: false, listed, mathBlock };
    return { endState, tokens, ...extent, startsWithDisplay };
  }
}

/**
 * What ends the raw HTML block that `line` starts (CommonMark's seven kinds), or undefined when it starts
 * none: a closing tag or marker, or `blank` for a blank line. A lone tag (kind 7) does not interrupt a
 * paragraph.
 */
function htmlBlockEnd(line: string, inParagraph: boolean): string | undefined {
  if (!line.trimStart().startsWith('<')) return undefined;
  for (const [start, end] of HTML_UNTIL_MARKER) {
    const match = start.exec(line);
    if (match) return end.replace('$1', match[1]?.toLowerCase() ?? '');
  }
  if (HTML_BLOCK_TAG.test(line) || (!inParagraph && HTML_LONE_TAG.test(line))) return 'blank';
  return undefined;
}

/** The columns of white space a line starts with (a tab reaches the next multiple of 4). */
function indentOf(line: string): number {
  let columns = 0;
  for (let i = 0; i < line.length && columns < 4; i++) {
    if (line[i] === ' ') columns++;
    else if (line[i] === '\t') columns += 4 - (columns % 4);
    else break;
  }
  return columns;
}

/** A heading's text after its `#`s: trimmed, without a closing run of `#`s (which needs a space before it). */
function headingText(rest: string): string {
  const text = rest.trim();
  let end = text.length;
  while (end > 0 && text[end - 1] === '#') end--;
  if (end === 0) return '';
  return end < text.length && (text[end - 1] === ' ' || text[end - 1] === '\t') ? text.slice(0, end).trimEnd() : text;
}

/**
 * A bold or italic statement label at the start of `text`: `**Theorem 1.**`, `*Lemma 2 (Key).*`,
 * `**Problem 3** (ISL 2019).`, `__Claim.__`. Written as a scanner rather than a regular expression: the
 * expression's runs of optional white space backtracked cubically on `**Theorem` + 5,000 spaces. It accepts
 * exactly what this expression did (flag i; `\s` as JavaScript defines it):
 * `^(\*\*|__|\*|_)\s*(WORD)\b((?:\s+[^\s*_().:]+)?)\s*(\([^)]*\))?\s*[.:]?\s*\1(?:\s*(\([^)]*\)))?\s*[.:]?`
 */
export function statementLabel(text: string): { word: string; number: string | undefined; note: string | undefined; length: number } | undefined {
  const opener = text.startsWith('**') ? '**' : text.startsWith('__') ? '__' : text[0] === '*' || text[0] === '_' ? text[0] : undefined;
  if (!opener) return undefined;
  let i = skipSpaces(text, opener.length);
  const word = STATEMENT_WORDS.find((w) => text.slice(i, i + w.length).toLowerCase() === w.toLowerCase());
  // `\b` after the word: the next character is no ASCII letter, digit or underscore.
  if (!word || /\w/.test(text[i + word.length] ?? '')) return undefined;
  const written = text.slice(i, i + word.length);
  i += word.length;
  // The label may or may not carry a number ("Theorem 1"); the expression tried both.
  const withNumber = labelRest(text, i, opener, true);
  const found = withNumber ?? labelRest(text, i, opener, false);
  return found && { word: written, ...found };
}

/** The part of a statement label after its word (see statementLabel), with or without a number. */
function labelRest(text: string, from: number, opener: string, numbered: boolean): { number: string | undefined; note: string | undefined; length: number } | undefined {
  let i = from;
  let number: string | undefined;
  if (numbered) {
    const spaced = skipSpaces(text, i);
    if (spaced === i) return undefined;
    let end = spaced;
    while (end < text.length && !/[\s*_().:]/.test(text[end]!)) end++;
    if (end === spaced) return undefined;
    number = text.slice(spaced, end);
    i = end;
  }
  i = skipSpaces(text, i);
  let note = parenthesis(text, i);
  if (note) i = skipSpaces(text, i + note.length);
  if (text[i] === '.' || text[i] === ':') i = skipSpaces(text, i + 1);
  if (!text.startsWith(opener, i)) return undefined;
  i += opener.length;
  const afterCloser = skipSpaces(text, i);
  const trailing = parenthesis(text, afterCloser);
  if (trailing) {
    note ??= trailing;
    i = afterCloser + trailing.length;
  }
  i = skipSpaces(text, i);
  if (text[i] === '.' || text[i] === ':') i++;
  return { number, note, length: i };
}

/** `(...)` at `at` (no nested closing parenthesis), or undefined. */
function parenthesis(text: string, at: number): string | undefined {
  if (text[at] !== '(') return undefined;
  const close = text.indexOf(')', at + 1);
  return close < 0 ? undefined : text.slice(at, close + 1);
}

function skipSpaces(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}

function backtickRun(text: string, from: number): number {
  let j = from;
  while (text.charCodeAt(j) === 96) j++;
  return j - from;
}

function isWordChar(code: number): boolean {
  return (code >= 48 && code <= 57) || isLetter(code) || code === 95 || code > 127;
}
