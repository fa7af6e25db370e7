/**
 * Model output to HTML for the proof panel: Markdown through markdown-it with raw HTML disabled (so model
 * output stays text: `<script>` shows as text), math through KaTeX with the document's macros. Math
 * delimiters: `$..$`, `\(..\)` inline; `$$..$$`, `\[..\]` display. A formula KaTeX cannot render shows its
 * source (in the error colour) and the rest renders normally. KaTeX runs with `trust: false`, so `\href`
 * and friends cannot make links; Markdown links, autolinks and images are turned off, so no model output
 * becomes an anchor of any scheme.
 */
import katex from 'katex';
import MarkdownIt from 'markdown-it';

type StateInline = Parameters<Parameters<MarkdownIt['inline']['ruler']['before']>[2]>[0];
type StateBlock = Parameters<Parameters<MarkdownIt['block']['ruler']['before']>[2]>[0];

export function createRenderer(macros: Record<string, string>): (markdown: string) => string {
  const md = new MarkdownIt({ html: false, linkify: false, typographer: false, breaks: false });
  // Links and images in model output stay text: a live `command:` or `vscode:` link would run an editor
  // command, an http(s) one would take the user to a page the model chose, an image would load remotely.
  md.disable(['link', 'image', 'autolink']);
  // The panel repaints the whole proof as it streams: formulas already typeset come from this cache, so a
  // repaint costs markdown-it's parse, not KaTeX's typesetting of every formula again.
  const cache = new Map<string, string>();
  const tex = (source: string, displayMode: boolean): string => {
    const key = `${displayMode ? 'D' : 'I'}${source}`;
    let html = cache.get(key);
    if (html === undefined) {
      html = katex.renderToString(source, { displayMode, throwOnError: false, trust: false, strict: 'ignore', macros: { ...macros }, maxExpand: 500, maxSize: 50 });
      if (cache.size > 5000) cache.clear();
      cache.set(key, html);
    }
    return html;
  };
  md.inline.ruler.before('escape', 'math_inline', mathInline);
  md.block.ruler.before('fence', 'math_block', mathBlock, { alt: ['paragraph', 'reference', 'blockquote', 'list'] });
  md.renderer.rules.math_inline = (tokens, index) => tex(tokens[index]!.content, false);
  md.renderer.rules.math_display_inline = (tokens, index) => tex(tokens[index]!.content, true);
  md.renderer.rules.math_block = (tokens, index) => `<div class="math-display">${tex(tokens[index]!.content, true)}</div>\n`;
  // An end-of-proof mark stays with the last word: the space before a "∎" (or □, ■) that ends a run of text
  // becomes a no-break space, so a narrow view never puts the mark alone on a line. Text only, never math.
  // (Escapes, not the characters: the bundle stays ASCII, whatever encoding a page reads it in.)
  const text = md.renderer.rules.text!;
  md.renderer.rules.text = (tokens, index, options, env, self) => text(tokens, index, options, env, self).replace(/[ \t]+(?=[\u220e\u25a1\u25a0]\s*$)/u, '\u00a0');
  return (markdown) => md.render(markdown);
}

const INLINE_DELIMITERS: [open: string, close: string, display: boolean][] = [
  ['$$', '$$', true],
  ['\\[', '\\]', true],
  ['\\(', '\\)', false],
  ['$', '$', false],
];

function mathInline(state: StateInline, silent: boolean): boolean {
  const { src, pos } = state;
  for (const [open, close, display] of INLINE_DELIMITERS) {
    if (!src.startsWith(open, pos)) continue;
    const start = pos + open.length;
    if (open === '$') {
      // Pandoc's rule: no space just inside the dollars, no digit right after the closing one.
      if (/\s/.test(src[start] ?? ' ')) return false;
    }
    let end = src.indexOf(close, start);
    while (end > 0 && src[end - 1] === '\\' && open === '$') end = src.indexOf(close, end + 1);
    if (end < 0) return false;
    if (open === '$' && (/\s/.test(src[end - 1] ?? ' ') || /\d/.test(src[end + 1] ?? ''))) return false;
    if (end === start) return false;
    if (!silent) {
      const token = state.push(display ? 'math_display_inline' : 'math_inline', 'math', 0);
      token.content = src.slice(start, end);
      token.markup = open;
    }
    state.pos = end + close.length;
    return true;
  }
  return false;
}

function mathBlock(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  const lineText = (line: number): string => state.src.slice(state.bMarks[line]! + state.tShift[line]!, state.eMarks[line]!);
  const first = lineText(startLine);
  const delimiter = first.startsWith('$$') ? ['$$', '$$'] : first.startsWith('\\[') ? ['\\[', '\\]'] : undefined;
  if (!delimiter) return false;
  const [open, close] = delimiter as [string, string];
  let content = first.slice(open.length);
  let line = startLine;
  let closed = content.trimEnd().endsWith(close) && content.trim().length >= close.length;
  if (closed) content = content.trimEnd().slice(0, -close.length);
  while (!closed && ++line < endLine) {
    const text = lineText(line);
    if (text.trimEnd().endsWith(close)) {
      content += `\n${text.trimEnd().slice(0, -close.length)}`;
      closed = true;
    } else content += `\n${text}`;
  }
  if (!closed) return false;
  if (silent) return true;
  const token = state.push('math_block', 'math', 0);
  token.content = content.trim();
  token.block = true;
  token.map = [startLine, line + 1];
  state.line = line + 1;
  return true;
}
