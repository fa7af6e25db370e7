/**
 * Reproducible adversarial inputs: documents and model replies shaped to hit super-linear paths (nested
 * quantifiers in regular expressions, scans to the end of a line from every position, quadratic nesting).
 * Each shape is one a probe of the language server found taking seconds to minutes, or killing the
 * process, on a few hundred KB; the fuzz tests and `npm run bench` run every one of them.
 */
import { seededRandom } from './random';

export interface AdversarialDocument {
  name: string;
  /** The format it was found in; the tests run it through both. */
  format: 'latex' | 'markdown';
  text: string;
}

export interface AdversarialReply {
  name: string;
  /** A model reply (thinking closed): it is scored, split into sections and converted for insertion. */
  text: string;
}

const spaces = (count: number): string => ' '.repeat(count);
const longName = 'n'.repeat(100_000);

export const ADVERSARIAL_DOCUMENTS: readonly AdversarialDocument[] = [
  { name: '8,000 nested unclosed proofs', format: 'latex', text: '\\begin{proof}\n\n'.repeat(8000) },
  { name: '20,000 nested unclosed theorems', format: 'latex', text: '\\begin{theorem}\nx\n'.repeat(20_000) },
  {
    name: 'a 100,000-character environment name around 10,000 unclosed ones',
    format: 'latex',
    text: `\\begin{${longName}}\n${'\\begin{a}'.repeat(10_000)}\n\\end{${longName}}\n`,
  },
  { name: 'statement label + 5,000 spaces', format: 'markdown', text: `**Theorem${spaces(5000)}x\n` },
  { name: 'heading + 100,000 spaces', format: 'markdown', text: `# a${spaces(100_000)}b\n` },
  { name: '100,000 unclosed \\begin{', format: 'latex', text: '\\begin{'.repeat(100_000) },
  { name: '100,000 unclosed \\label{', format: 'markdown', text: '\\label{'.repeat(100_000) },
  { name: '100,000 unclosed \\ref{', format: 'latex', text: '\\ref{'.repeat(100_000) },
  { name: '40,000 \\begin{a}[ without ]', format: 'latex', text: '\\begin{a}['.repeat(40_000) },
  { name: '50,000 \\begin{a} then 50,000 \\end{b}', format: 'latex', text: `${'\\begin{a}'.repeat(50_000)}\n${'\\end{b}'.repeat(50_000)}` },
  { name: 'a statement of 100,000 spaces', format: 'latex', text: `\\begin{theorem}${spaces(100_000)}x\\end{theorem}\n` },
  {
    name: '\\newenvironment with 50,000 unclosed \\begin{',
    format: 'latex',
    text: `\\newenvironment{x}{${'\\begin{'.repeat(50_000)}}{}\n`,
  },
  // Recognisers (recognition.ts): each tried on a long line of what almost matches it, and on many of them.
  { name: 'identifier headings of 100,000 separators', format: 'markdown', text: `# IMO${'.A1'.repeat(30_000)}x\n## Solution\n${'# IMO.SHL.2019.A1\nx\n\n'.repeat(5000)}` },
  { name: '20,000 problem codes and plain labels, each almost', format: 'markdown', text: `${'A1. x\n\n5.1. y\n\n1. atrisinājums 1\n\nLemma 1 (a).\n\nLemma 1 ('.repeat(20_000)}${spaces(100_000)}\n` },
  { name: '10,000 part headings under a problem', format: 'markdown', text: `## Problem 1\n${'#### Part A\nProof: x\n'.repeat(10_000)}` },
  { name: '20,000 problem and solution sections, and a section title of 100,000 spaces', format: 'latex', text: `\\section*{Problem${spaces(100_000)}1}\n${'\\section*{Problem 1}\nx\n\\subsection*{Solution}\n\\begin{proof}\n'.repeat(20_000)}` },
  { name: '20,000 problems each followed by a bare paragraph of 10 lines', format: 'latex', text: `\\begin{proof}\\end{proof}\n${`\\begin{problem}x\\end{problem}\n${'y\n'.repeat(10)}`.repeat(20_000)}` },
  { name: '20,000 bold problem labels, ignored bold labels and one of 100,000 spaces', format: 'latex', text: `\\noindent\\textbf{${spaces(100_000)}}\n${'\\noindent\\textbf{Problem 1.} x\n\\textbf{Case 1.} y\n{\\bf Solution.} z\n'.repeat(20_000)}` },
  { name: 'Pandoc syntax and 20,000 HTML blocks with a heading in each', format: 'markdown', text: `![](a.png){ width=1px }\n\n# IMO.SHL.2019.A1\n\n${'<text>\n## Solution\nx\n</text>\n\n'.repeat(20_000)}<text>\n#${spaces(100_000)}y\n` },
  { name: '50,000 nested proofs in Markdown', format: 'markdown', text: '**Proof.**\n\n'.repeat(50_000) },
  // Each line opens a definition that never ends: the macro scan once walked back over every open line.
  { name: '20,000 unclosed \\newcommand in Markdown math', format: 'markdown', text: '$\\newcommand{\\x}{\n'.repeat(20_000) },
  { name: 'random brackets and delimiters', format: 'latex', text: randomNoise(300_000, seededRandom(7)) },
  // Project links: each is read on every keystroke of the file (its links key) and resolved per project.
  { name: '20,000 \\input lines and 20,000 unclosed \\usepackage{', format: 'latex', text: `${'\\input{ch}\n'.repeat(20_000)}${'\\usepackage{'.repeat(20_000)}` },
  { name: '!TEX root comment of 100,000 spaces', format: 'latex', text: `% !TEX root =${spaces(100_000)}x\n`.repeat(3) },
  {
    name: 'macros that wrap \\input, \\label and \\ref, 20,000 uses on one line without a comment, 20,000 unclosed ones',
    format: 'latex',
    text: `\\newcommand{\\inp}[1]{\\input{#1}}\\newcommand{\\lab}[1]{\\label{l:#1}}\\def\\rf#1{\\cref{#1}}\n${'\\lab{a}\\rf{a,b}\\inp{x}'.repeat(20_000)}\n${'\\rf{'.repeat(20_000)}\n`,
  },
  {
    name: 'a path constant and an xr document named 20,000 times',
    format: 'latex',
    text: `\\newcommand{\\base}{.}\n${'\\externaldocument[p-]{\\base/other}\\input{\\base/ch}\\ref{p-x}'.repeat(20_000)}\n`,
  },
  {
    name: '20,000 xr documents of one prefix, each referenced',
    format: 'latex',
    text: Array.from({ length: 20_000 }, (_, i) => `\\externaldocument[p-]{d${i}}\\ref{p-${i}}`).join('\n'),
  },
  { name: '50,000 nested tikzpictures on one line', format: 'latex', text: `${'\\begin{tikzpicture}'.repeat(50_000)}${'\\end{tikzpicture}'.repeat(50_000)}\n` },
  { name: '10,000 paragraphs of math with a brace left open', format: 'latex', text: '$\\frac{a$ b $c$\n\n'.repeat(10_000) },
  {
    name: '5,000 statements and 5,000 proofs whose titles share words with all of them',
    format: 'latex',
    text: `${'\\begin{theorem}[alpha beta]\\end{theorem}\n'.repeat(5000)}${'\\begin{proof}[Proof of alpha gamma]\\end{proof}\n'.repeat(5000)}`,
  },
  { name: '100,000 \\iffalse and \\if on one line', format: 'latex', text: `${'\\iffalse\\ifx'.repeat(50_000)}\n$x\n` },
  // Putnam-style lists (itemLists.ts): a list of 20,000 coded items, and 2,000 nested lists each opening one.
  { name: 'Solutions, then 20,000 \\item[A1] in one list', format: 'latex', text: `Solutions\n\\begin{itemize}\n${'\\item[A1] $x$\n'.repeat(20_000)}\\end{itemize}\n` },
  { name: '2,000 nested itemize each with \\item[B2]', format: 'latex', text: `${'\\begin{itemize}\\item[B2] x\n'.repeat(2000)}${'\\end{itemize}\n'.repeat(2000)}` },
  // Sections as outline parents: 20,000 headings of alternating levels over statements.
  { name: '20,000 sections and subsections over theorems', format: 'latex', text: '\\section{A}\n\\subsection{B}\n\\begin{theorem}$x$\\end{theorem}\n'.repeat(10_000) },
  { name: '20,000 Markdown headings over problems', format: 'markdown', text: '# A\n\n## Problem 1\n\nShow $x$.\n\n'.repeat(10_000) },
];

export const ADVERSARIAL_REPLIES: readonly AdversarialReply[] = [
  { name: '\\boxed{ + 2,000 spaces', text: `\\boxed{${spaces(2000)}` },
  { name: '1,000 unclosed \\boxed{ with spaces', text: `\\boxed{${spaces(100)}`.repeat(1000) },
  { name: '30,000 " *a" on one line', text: ' *a'.repeat(30_000) },
  { name: '50,000 unclosed \\( on one line', text: '\\('.repeat(50_000) },
  { name: '100,000 spaces before a word', text: `${spaces(100_000)}x` },
  { name: 'a solution heading + 100,000 blank lines', text: `## Solution${'\n'.repeat(100_000)}x` },
  { name: 'thinking of 100,000 spaces', text: `${spaces(100_000)}x</think>${spaces(100_000)}y` },
];

/** Text made of the characters analysis reacts to, in random order. */
function randomNoise(length: number, random: () => number): string {
  const pieces = ['\\begin{', '}', '{', '[', ']', '$', '\\(', '\\[', '\\label{', '**', '#', ' ', '\n', '\\end{', 'a', '%'];
  let text = '';
  while (text.length < length) text += pieces[Math.floor(random() * pieces.length)];
  return text;
}

/** All document shapes' total size, for per-KB figures. */
export function kilobytes(text: string): number {
  return Buffer.byteLength(text) / 1024;
}
