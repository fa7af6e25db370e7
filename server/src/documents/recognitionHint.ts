/**
 * Why a heading (or a paragraph that looks like a label) was not read as a problem or a solution: the hover
 * on such a line lists the recognisers of recognition.ts that were tried, which matched, and the file
 * convention a matching guess lacked, so a user can see what to write, or teach the format
 * (`qedNano.structure.*Patterns`).
 */
import type { DocumentFormat, ProofDocumentAnalysis } from './proofDocument';
import { RECOGNISED_PREFIX, RECOGNISERS, type Convention, type Place } from './recognition';

const MARKDOWN_HEADING = /^ {0,3}#{1,6}[ \t]+/;
const LATEX_HEADING = /^\s{0,40}\\(?:part|chapter|section|subsection|subsubsection|paragraph|subparagraph)\*?\{/;

const CONVENTIONS: Record<Convention, string> = {
  series: 'at least two paragraphs of the file start the same way',
  solutions: 'the file also writes a solution or proof',
};

/** The explanation for line `line` of a document, whose text is `text`, or undefined where there is nothing
 * to explain (the line starts a statement or proof, or is ordinary text). */
export function recognitionHint(analysis: ProofDocumentAnalysis, format: DocumentFormat, text: string, line: number): string | undefined {
  if (startsStructure(analysis, line)) return undefined;
  const heading = format === 'markdown' ? MARKDOWN_HEADING.exec(text) : LATEX_HEADING.exec(text);
  const place: Place = heading ? 'heading' : 'paragraph';
  let words = heading ? text.slice(heading[0].length) : text.trim();
  if (heading && format === 'latex') words = words.slice(0, Math.max(0, words.lastIndexOf('}')));
  words = words.replace(/<[^<>]{0,80}>/g, '').trim().slice(0, RECOGNISED_PREFIX);
  const tried = RECOGNISERS.filter((r) => r.place === place);
  const matched = tried.filter((r) => r.pattern.test(words));
  // A paragraph is explained only where a recogniser matched it (a guess its file did not confirm).
  if (!heading && matched.length === 0) return undefined;
  const rows = tried.map((r) => {
    if (!matched.includes(r)) return `- ${r.name}: does not match (such as \`${r.example}\`)`;
    if (r.convention) return `- ${r.name}: matches, but it is a guess, taken only where ${CONVENTIONS[r.convention]}`;
    if (typeof r.recognises === 'object' && r.recognises.role === 'part') return `- ${r.name}: matches, but a part is read only under a problem's heading, or after a part's proof`;
    return `- ${r.name}: matches, but it stands where no statement can start (inside an environment, or under another heading's statement)`;
  });
  return [
    `**Not read as a problem or a solution.** ${place === 'heading' ? 'Heading' : 'Paragraph'} formats tried:`,
    '',
    ...rows,
    '',
    'A format of your own can be taught with `qedNano.structure.problemPatterns` and `qedNano.structure.solutionPatterns`.',
  ].join('\n');
}

/** Whether a statement or a proof starts on `line`. */
function startsStructure(analysis: ProofDocumentAnalysis, line: number): boolean {
  for (const statement of analysis.statements) {
    if (statement.headerRange.start.line === line || statement.proof?.headerRange.start.line === line) return true;
  }
  return [...analysis.orphanProofs, ...analysis.additionalProofs].some((proof) => proof.headerRange.start.line === line);
}
