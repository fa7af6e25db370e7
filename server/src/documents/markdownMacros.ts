/**
 * The macros a Markdown file defines for itself, as KaTeX and markdown-it-katex users write them: in its
 * math (`$$\newcommand{\R}{\mathbb{R}}$$`, `\renewcommand`, `\def`, `\DeclareMathOperator`), and in a
 * front-matter `macros:` block (`\R: \mathbb{R}`, or quoted with YAML's escapes: `"\\R": "\\mathbb{R}"`).
 * Only the lines that can define something are read (with the LaTeX lexer, which follows a definition
 * over several lines): a file without definitions costs one scan for a backslash command.
 */
import { latexLineLexer, type LatexState } from './latexLexer';
import { collectDefinitions } from './latexStructure';
import type { MacroDefinition } from './proofDocument';
import type { LexedLine } from './tokens';

const DEFINES = /\\(?:newcommand|renewcommand|providecommand|def|DeclareMathOperator)(?![A-Za-z])/;
/** A definition that spans lines takes at most this many more. */
const MAX_CONTINUATION_LINES = 20;
/** A front matter is looked for in this many first lines. */
const MAX_FRONT_MATTER_LINES = 200;

export function markdownMacros(lines: readonly string[]): MacroDefinition[] {
  const macros = frontMatterMacros(lines);
  let definition: LatexState['definition'] = null;
  /** Lines the open definition has run on. */
  let continued = 0;
  const lexed: LexedLine<LatexState>[] = [];
  for (let line = 0; line < lines.length; line++) {
    const text = lines[line]!;
    const command = definition === null ? DEFINES.exec(text) : null;
    if (definition === null && !command) continue;
    // From the command on (Markdown text before it is no LaTeX), and the lines a definition runs on.
    const result = latexLineLexer.lexLine(command ? text.slice(command.index) : text, { ...latexLineLexer.initialState, definition });
    lexed.push(result);
    definition = result.endState.definition;
    continued = definition === null ? 0 : continued + 1;
    // A definition that does not end within a few lines is no definition (as the LaTeX lexer's length cap).
    if (continued > MAX_CONTINUATION_LINES) {
      definition = null;
      continued = 0;
    }
  }
  return [...macros, ...collectDefinitions(lexed).macros];
}

/** `macros:` in a front matter (`---` on the first line, up to the next `---`): one `name: body` per line. */
function frontMatterMacros(lines: readonly string[]): MacroDefinition[] {
  if (lines[0]?.trim() !== '---') return [];
  const macros: MacroDefinition[] = [];
  let inMacros = false;
  for (let line = 1; line < Math.min(lines.length, MAX_FRONT_MATTER_LINES); line++) {
    const text = lines[line]!;
    if (text.trim() === '---' || text.trim() === '...') break;
    if (/^macros\s*:\s*$/.test(text)) {
      inMacros = true;
      continue;
    }
    if (!inMacros) continue;
    if (!/^\s/.test(text)) {
      inMacros = false;
      continue;
    }
    const entry = /^\s+("(?:[^"\\]|\\.){1,200}"|'[^']{1,200}'|[^:\s]{1,200})\s*:\s*(.{1,2000})$/.exec(text);
    if (!entry) continue;
    const name = yamlScalar(entry[1]!).replace(/^\\/, '');
    const body = yamlScalar(entry[2]!.trim());
    if (/^[A-Za-z]+$/.test(name) && body) macros.push({ name, arity: arityOf(body), body });
  }
  return macros;
}

/** A YAML scalar as written: double quotes take backslash escapes, single quotes double their quote. */
function yamlScalar(written: string): string {
  if (written.startsWith('"') && written.endsWith('"') && written.length >= 2) return written.slice(1, -1).replace(/\\(.)/g, '$1');
  if (written.startsWith("'") && written.endsWith("'") && written.length >= 2) return written.slice(1, -1).replace(/''/g, "'");
  return written;
}

/** The highest `#n` a body uses: the macro's number of arguments. */
function arityOf(body: string): number {
  let arity = 0;
  for (const match of body.matchAll(/#([1-9])/g)) arity = Math.max(arity, Number(match[1]));
  return arity;
}
