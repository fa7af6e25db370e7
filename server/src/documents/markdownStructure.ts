/**
 * Markdown structure. A statement starts at a heading ("## Problem 2", "### Theorem (AM-GM)"), and runs
 * to the next heading, statement or proof; or at a bold or italic label ("**Theorem 1.**", "> **Lemma 2.**"),
 * and is then its paragraph. A proof starts at "Proof." / "*Proof.*" /
 * "**Proof.**" / "**Solution.**" or a "Proof"/"Solution" heading, and ends at ∎, □, $\blacksquare$,
 * \qed, "QED", or the next statement or heading (for a proof under a heading: the next heading of the same
 * or a higher level).
 *
 * A claim stated inside a proof ("**Claim.**", "Claim 1.", "Claim - ...", as olympiad solutions write them)
 * is a statement of its own, and a "Proof." right after it is the claim's proof, nested in the outer one:
 * the outer proof goes on around them, and an end mark closes the innermost proof.
 *
 * A heading that names a statement kind but holds deeper statement headings before any proof ("# Problem
 * set 1" over "## Problem 1") is a title, not a statement. Every other heading is something a proof may follow
 * ("### Sprague-Grundy theorem", "## Formula"): where a proof belongs is proofPlacement.ts's to say.
 *
 * Headings and plain paragraph labels are read through recognition.ts's table, with the file's conventions
 * decided first from the whole file: "### Original Solution", "Lemma 1." and, in a file that numbers its
 * problems so, "A1." or an identifier heading ("# IMO.SHL.2019.A1"). A part heading ("#### Part A") under a
 * problem heading is a statement of its own (the problem is then its title), so each part's proof is its own.
 */
import type { LexedLine, LineToken } from './tokens';
import { range, type Position, type Proof, type ProofDocumentAnalysis, type Range, type StatementKind } from './proofDocument';
import { markdownMacros } from './markdownMacros';
import { StructureBuilder } from './structure';
import type { MarkdownState } from './markdownLexer';
import { applies, conventionsOf, recognise, type Recognition } from './recognition';
import type { UserPatterns } from './userPatterns';
import { pandocHeadings } from './pandocHeadings';

interface OpenStatement {
  kind: StatementKind;
  environment: string;
  title: string;
  header: Range;
  /** Heading level, or 0 for a label. */
  level: number;
  label: string | undefined;
  /** Stated inside a proof (a claim): a proof right after it nests in that proof. */
  nested: boolean;
  /** Found by a recogniser that only guesses (recognition.ts). */
  guessed: boolean;
}

interface OpenProof {
  proof: Proof;
  level: number;
}

export function buildMarkdownStructure(
  lines: readonly string[],
  lexed: readonly LexedLine<MarkdownState>[],
  user?: UserPatterns,
): ProofDocumentAnalysis {
  const builder = new StructureBuilder('markdown', lines, lexed);
  const htmlHeadings = pandocHeadings(lines, lexed);
  const tokensOf = (line: number): readonly LineToken[] => {
    const heading = htmlHeadings.get(line);
    return heading ? [heading, ...lexed[line]!.tokens] : lexed[line]!.tokens;
  };
  const { headings, paragraphs } = recognitions(lines, lexed, tokensOf, user);
  /** The last problem heading, while the headings under it may be its parts ("#### Part A"). */
  let partsOf: { title: string; kind: OpenStatement['kind']; environment: string; level: number } | undefined;
  let statement: OpenStatement | undefined;
  /** The open proofs, innermost last (an outer proof and the proof of a claim stated in it). */
  const proofs: OpenProof[] = [];
  /** The last statement closed was a claim stated inside a proof, still waiting for its own proof. */
  let nestedClaimWaits = false;

  const closeStatement = (end: Position): void => {
    if (!statement) return;
    const s = statement;
    statement = undefined;
    const stop = later(end, s.header.end);
    nestedClaimWaits = s.nested;
    builder.addStatement(
      {
        kind: s.kind,
        environment: s.environment,
        title: s.title,
        ...(s.label !== undefined ? { label: s.label } : {}),
        ...(s.guessed ? { certainty: 'guess' as const } : {}),
        range: { start: s.header.start, end: stop },
        headerRange: s.header,
        bodyRange: { start: s.header.end, end: stop },
      },
      s.title,
    );
  };
  /** Closes the innermost open proof. */
  const closeProof = (end: Position, bodyEnd: Position, closed: boolean): void => {
    const proof = proofs.pop();
    if (!proof) return;
    proof.proof.range.end = later(end, proof.proof.headerRange.end);
    proof.proof.bodyRange.end = later(bodyEnd, proof.proof.headerRange.end);
    proof.proof.closed = closed;
    nestedClaimWaits = false; // a claim whose proof did not start inside this one has none
  };
  /** Closes whatever is open because something new starts on `line`. */
  const closeBefore = (line: number): void => {
    if (statement) closeStatement(builder.contentEndBefore(line, statement.header.end));
    while (proofs.length > 0) {
      const end = builder.contentEndBefore(line, proofs[proofs.length - 1]!.proof.headerRange.end);
      closeProof(end, end, false);
    }
    nestedClaimWaits = false;
  };
  const openProof = (header: Range, environment: string, level: number, title?: string): void => {
    const opened: Proof = {
      environment,
      range: { start: header.start, end: header.end },
      headerRange: header,
      bodyRange: { start: header.end, end: header.end },
      closed: false,
      steps: [],
    };
    const nested = proofs.length > 0;
    proofs.push({ proof: opened, level });
    builder.attachProof(opened, { ...(title !== undefined ? { title } : {}), nested });
  };

  /** Whether any text stands between `from` and the start of `line`. */
  const textSince = (from: Position, line: number): boolean => {
    const end = builder.contentEndBefore(line, from);
    return end.line !== from.line || end.character !== from.character;
  };

  for (let line = 0; line < lexed.length; line++) {
    // A statement introduced by a label ("**Theorem 1.**") is its paragraph; one under a heading runs on.
    if (lexed[line]!.kind === 'blank' && statement?.level === 0) closeStatement(builder.contentEndBefore(line, statement.header.end));
    // A numbered paragraph right under a problem's heading ("# LV.NOL.2022.5.2", then "5.2. Vai ...") is that
    // problem's text, not another problem.
    const labelled = paragraphs.get(line);
    const paragraph = labelled?.recognised.role === 'statement' && statement && statement.level > 0 && !textSince(statement.header.end, line) ? undefined : labelled;
    const tokens: readonly LineToken[] = paragraph ? [paragraphToken(paragraph, lexed[line]!.contentStart), ...tokensOf(line)] : tokensOf(line);
    for (const token of tokens) {
      if (builder.takeCommonToken({ line, token })) {
        if (token.t === 'label' && statement && statement.label === undefined) statement.label = token.name;
        continue;
      }
      const proof = proofs[proofs.length - 1];
      switch (token.t) {
        case 'heading': {
          const found = headings.get(line);
          const part = found?.recognised.role === 'part' && partsOf && token.level > partsOf.level ? partsOf : undefined;
          // Parts follow their problem's heading, or a part's proof: any other heading ends the problem's parts
          // ("### Self-Evaluation" over "#### Part A" is about the solution, not a part of the problem).
          if (!part) partsOf = undefined;
          const statementWord = found?.recognised.role === 'statement' || part !== undefined;
          const proofWord = found?.recognised.role === 'proof';
          const starts = statementWord || proofWord;
          // "## Problem 3" over "#### Part A": the problem's heading is the title of its parts.
          if (part && statement && statement.level > 0 && token.level > statement.level) {
            builder.addAnchor(statement.header.end);
            statement = undefined;
          }
          // "# Problem set 1" over "## Problem 1": the outer heading is the set's title.
          if (statementWord && statement && statement.level > 0 && token.level > statement.level) {
            builder.addAnchor(statement.header.end);
            statement = undefined;
          }
          // A deeper, ordinary heading ("#### Case 1") stays inside a proof or statement opened by a heading.
          if (proof && (starts || proof.level === 0 || token.level <= proof.level)) closeBefore(line);
          if (proofs.length === 0 && statement && (starts || statement.level === 0 || token.level <= statement.level)) closeBefore(line);
          const header = range(line, token.ch, line, token.endCh);
          builder.headings.push({ level: token.level, title: token.text, range: header });
          if (part) {
            closeBefore(line);
            statement = { kind: part.kind, environment: part.environment, title: `${part.title}, ${found!.title}`, header, level: token.level, label: undefined, nested: false, guessed: false };
          } else if (statementWord && found?.recognised.role === 'statement') {
            closeBefore(line);
            const environment = found.title.split(/[ \t.:]/)[0]!;
            statement = { kind: found.recognised.kind, environment, title: found.title, header, level: token.level, label: undefined, nested: false, guessed: found.recogniser.certainty === 'guess' };
            if (found.recognised.kind === 'problem' || found.recognised.kind === 'exercise') partsOf = { title: found.title, kind: found.recognised.kind, environment, level: token.level };
          } else if (proofWord) {
            closeBefore(line);
            openProof(header, /solution|answer/i.test(found!.title) ? 'solution' : 'proof', token.level, token.text);
          } else if (proofs.length === 0 && !statement) builder.addAnchor(header.end);
          break;
        }
        case 'statementLabel': {
          // A claim inside a proof leaves that proof open: it is part of the argument.
          const nested = token.kind === 'claim' && proof !== undefined;
          if (nested) {
            if (statement) closeStatement(builder.contentEndBefore(line, statement.header.end));
          } else closeBefore(line);
          statement = {
            kind: token.kind,
            environment: token.title.split(' ')[0]!,
            title: token.title,
            header: range(line, token.ch, line, token.endCh),
            level: 0,
            label: undefined,
            nested,
            guessed: paragraph !== undefined && token === tokens[0] && paragraph.recogniser.certainty === 'guess',
          };
          break;
        }
        case 'proofLabel': {
          const header = range(line, token.ch, line, token.endCh);
          if (statement?.nested || (nestedClaimWaits && !statement)) {
            // The proof of a claim stated inside a proof: it nests there.
            if (statement) closeStatement(builder.contentEndBefore(line, statement.header.end));
            nestedClaimWaits = false;
            openProof(header, token.word.toLowerCase(), 0, token.title);
          } else {
            closeBefore(line);
            openProof(header, token.word.toLowerCase(), 0, token.title);
          }
          break;
        }
        case 'proofEnd':
          if (proof) closeProof({ line, character: token.endCh }, { line, character: token.ch }, true);
          break;
        default:
          break;
      }
    }
  }
  const end = builder.documentEnd();
  closeBefore(end.line + 1);
  return builder.finish(markdownMacros(lines));
}

function later(a: Position, b: Position): Position {
  return a.line > b.line || (a.line === b.line && a.character >= b.character) ? a : b;
}

/**
 * The headings and plain paragraph starts the recognition table recognises, under the file's conventions:
 * found first without them, then the conventions decided from all that was found, then each kept only if
 * they let it stand. A paragraph start that the lexer already labelled (bold labels, `Proof.`, `Claim 1.`)
 * is the lexer's.
 */
function recognitions(
  lines: readonly string[],
  lexed: readonly LexedLine<MarkdownState>[],
  tokensOf: (line: number) => readonly LineToken[],
  user: UserPatterns | undefined,
): { headings: Map<number, Recognition>; paragraphs: Map<number, Recognition> } {
  const headings = new Map<number, Recognition>();
  const paragraphs = new Map<number, Recognition>();
  let writesSolutions = false;
  for (let line = 0; line < lexed.length; line++) {
    const here = lexed[line]!;
    let labelled = false;
    for (const token of tokensOf(line)) {
      if (token.t === 'proofLabel') writesSolutions = true;
      if (token.t === 'heading') {
        const found = recognise(token.text, 'heading', user);
        if (found) headings.set(line, found);
      }
      if (token.t === 'heading' || token.t === 'statementLabel' || token.t === 'proofLabel') labelled = true;
    }
    if (labelled || here.kind !== 'content' || !paragraphStart(lexed, line)) continue;
    const found = recognise(lines[line]!.slice(here.contentStart), 'paragraph', user);
    if (found && found.recognised.role !== 'part') paragraphs.set(line, found);
  }
  const conventions = conventionsOf([...headings.values(), ...paragraphs.values()], writesSolutions);
  for (const map of [headings, paragraphs]) {
    for (const [line, found] of map) if (!applies(found.recogniser, conventions)) map.delete(line);
  }
  return { headings, paragraphs };
}

/** Whether `line` starts a paragraph of plain text: after a blank line or a heading, outside code and math. */
function paragraphStart(lexed: readonly LexedLine<MarkdownState>[], line: number): boolean {
  if (line === 0) return true;
  const before = lexed[line - 1]!;
  const state = before.endState;
  if (state.fence !== null || state.raw !== null || state.math !== null) return false;
  return before.kind !== 'content' || before.tokens.some((token) => token.t === 'heading');
}

/** A recognised paragraph label (a statement or a proof: `recognitions` keeps no part) as the token the lexer
 * would have made of it. */
function paragraphToken(found: Recognition, ch: number): LineToken {
  return found.recognised.role === 'statement'
    ? { t: 'statementLabel', kind: found.recognised.kind, title: found.title, ch, endCh: ch + found.length }
    : { t: 'proofLabel', word: 'Solution', ch, endCh: ch + found.length };
}
