/**
 * LaTeX structure: theorem-like environments and the proofs after them, from the lexed lines.
 * Environments count as statements or proofs when they are built in (theorem, lemma, ..., proof, solution,
 * and starred forms) or declared in the document (\newtheorem, \declaretheorem, or \newenvironment wrapping
 * one of those), wherever in the document the declaration stands, or elsewhere in its project (`inherited`:
 * the root's preamble, local packages, other chapters; the file's own declarations win). Where a proof
 * belongs is proofPlacement.ts's to say.
 *
 * Balance: `\begin` and `\end` are matched as LaTeX matches them (an `\end` of another name closes the
 * environment it stands in, and is reported once there), except where LaTeX's own matching cannot be known:
 * inside a conditional (`\ifwide ... \else ... \fi` may begin one environment in each branch) or inside a
 * brace group (a macro's argument, such as `\iftag{x}{\begin{tabular}{cc}}{\begin{tabular}{c}}`). There the
 * environments are matched as well as can be, and nothing is reported. Likewise in a fragment (a file
 * without `\documentclass`, which another file inputs): an `\end` with nothing open, or a `document` left
 * open at its end, may be matched in the file around it (a header and a footer file).
 */
import { classifyStatementWord, isProofWord, readBracketGroup, type LexedLine } from './tokens';
import { finding } from './precision';
import {
  lineLabel,
  range,
  shortName,
  type MacroDefinition,
  type Proof,
  type Position,
  type ProofDocumentAnalysis,
  type Range,
  type Statement,
  type StatementKind,
  type EnvironmentDeclaration,
  type CommandWrapper,
} from './proofDocument';
import { StructureBuilder } from './structure';
import { LABEL_LEVEL, SectionStructure, sectionHeading } from './latexSections';
import { BareSolutions } from './bareSolutions';
import { itemProblems, type ItemProblem } from './itemLists';
import type { UserPatterns } from './userPatterns';
import { wrapperOf } from './wrappers';
import { MATH_ENVIRONMENTS, type LatexState } from './latexLexer';

export type EnvironmentRole =
  | { role: 'statement'; kind: StatementKind; title: string }
  | { role: 'proof' }
  /** Declared theorem-like, but no statement to prove (a definition, a fact): a proof may follow it. */
  | { role: 'theoremLike' };

interface OpenEnvironment {
  name: string;
  line: number;
  ch: number;
  /** End of `\begin{name}[option]` (the option may stand on the next line). */
  endLine: number;
  endCh: number;
  option: string | undefined;
  role: EnvironmentRole | undefined;
  /** Begun inside a conditional or a brace group: whether it balances is not known for sure. */
  uncertain: boolean;
  /** The nearest enclosing environment a proof may belong to: a statement (a proof inside it proves it), a
   * proof (a proof inside it is a case of it), or a theorem-like or unknown one (an example, a beamer frame). */
  context: OpenEnvironment | undefined;
  /** The first `\label` directly inside a statement. */
  label: string | undefined;
  /** For a statement: the proof begun inside it (a solution inside its problem). */
  owned: { proof?: Proof };
  /** For a proof environment: the proof, placed when it opened. */
  proof: Proof | undefined;
  /**
   * For a proof environment: the first statement begun directly inside it (claims excepted: they live in
   * proofs). A proof that is never closed ends there, so the statements after it are not swallowed as steps.
   */
  nextStatement: { name: string; line: number; ch: number } | undefined;
}

const TITLES: Record<StatementKind, string> = {
  theorem: 'Theorem',
  lemma: 'Lemma',
  proposition: 'Proposition',
  corollary: 'Corollary',
  claim: 'Claim',
  problem: 'Problem',
  exercise: 'Exercise',
  conjecture: 'Conjecture',
};

/** Environments of running text: a proof after one of them follows prose, not something it could prove.
 * Any other environment, the analysis cannot tell: it may be a package's or class's theorem-like one. */
const TEXT_ENVIRONMENTS: ReadonlySet<string> = new Set([
  'document', 'itemize', 'enumerate', 'description', 'center', 'flushleft', 'flushright', 'quote', 'quotation',
  'verse', 'figure', 'figure*', 'table', 'table*', 'tabular', 'tabular*', 'tabularx', 'minipage', 'multicols',
  'abstract', 'verbatim', 'comment', 'tikzpicture', 'array', 'thebibliography', ...MATH_ENVIRONMENTS,
]);

const REFERENCE_IN_OPTION = /\\(?:ref|cref|Cref|autoref|nameref|Nameref|vref)\s*\*?\s*\{([^}]+)\}|\\hyperref\s*\[([^\]]+)\]/;

export function buildLatexStructure(
  lines: readonly string[],
  lexed: readonly LexedLine<LatexState>[],
  inherited: readonly EnvironmentDeclaration[] = [],
  user?: UserPatterns,
): ProofDocumentAnalysis {
  const { macros, environments, wrappers } = collectDefinitions(lexed);
  const roles = environmentRoles([...inherited, ...environments]);
  const builder = new StructureBuilder('latex', lines, lexed);
  const stack = new EnvironmentStack();
  const sections = new SectionStructure(builder, user);
  const bare = new BareSolutions(builder, lines, lexed, lexed.some((l) => l.tokens.some((t) => t.t === 'begin' && roles(t.name)?.role === 'proof')));
  const fragment = !declaresClass(lexed);
  const items = itemProblems(lines, lexed, (name) => roles(name)?.role === 'proof');
  /** How many conditionals (`\if...` to `\fi`) are open. */
  let conditionals = 0;
  /** The text's brace depth where the line starts (never below 0). */
  let braces = 0;

  const reportUnclosed = (open: OpenEnvironment, message: string, related?: { range: Range; message: string }): void => {
    builder.diagnostics.push(finding('unclosed-environment', 'certain', range(open.line, open.ch, open.line, open.endCh), message, related ? [related] : undefined));
  };

  /** Where an unclosed proof ends: before the first statement begun inside it, if any. */
  const unclosedProofEnd = (open: OpenEnvironment): Position | undefined => {
    const next = open.nextStatement;
    if (!next) return undefined;
    const header = { line: open.endLine, character: open.endCh };
    return lines[next.line]!.slice(0, next.ch).trim() === ''
      ? builder.contentEndBefore(next.line, header)
      : { line: next.line, character: next.ch };
  };

  /** Reports an environment that is not closed: `otherwise` says where its end was met, unless it is a
   * proof cut short before the next statement. */
  const reportUnclosedEnvironment = (open: OpenEnvironment, otherwise: string, related?: { range: Range; message: string }): void => {
    const next = open.proof ? open.nextStatement : undefined;
    if (!next) return reportUnclosed(open, otherwise, related);
    const name = shortName(open.name);
    reportUnclosed(
      open,
      `\`\\begin{${name}}\` on ${lineLabel({ line: open.line, character: 0 })} is not closed: it is taken to end where \`\\begin{${shortName(next.name)}}\` starts on ${lineLabel({ line: next.line, character: 0 })}; add \`\\end{${name}}\` before it.`,
      { range: range(next.line, next.ch, next.line, next.ch), message: `the unclosed \`${name}\` is taken to end before this statement` },
    );
  };

  /** Ends an environment at (endLine, endCh); its body stops at closerCh (where `\end` starts). */
  const end = (open: OpenEnvironment, endLine: number, endCh: number, closerCh: number, closed: boolean): void => {
    if (open.proof) {
      const cut = closed ? undefined : unclosedProofEnd(open);
      open.proof.range.end = cut ?? { line: endLine, character: endCh };
      open.proof.bodyRange.end = cut ?? { line: endLine, character: closerCh };
      open.proof.closed = closed;
    } else if (open.role?.role === 'statement') {
      const proof = open.owned.proof;
      const statement: Statement = {
        kind: open.role.kind,
        environment: open.name,
        title: open.option ? `${open.role.title} (${shortName(open.option.trim())})` : open.role.title,
        ...(open.label !== undefined ? { label: open.label } : {}),
        range: range(open.line, open.ch, endLine, endCh),
        headerRange: range(open.line, open.ch, open.endLine, open.endCh),
        // A solution inside its problem is not part of the problem's text.
        bodyRange: { start: { line: open.endLine, character: open.endCh }, end: proof ? proof.range.start : { line: endLine, character: closerCh } },
        ...(proof ? { proof } : {}),
      };
      builder.addStatement(statement, open.option);
      if (open.context === undefined) bare.statementEnded(statement, endLine, endCh);
    } else if (open.role || !TEXT_ENVIRONMENTS.has(open.name)) {
      builder.addAnchor({ line: endLine, character: endCh }, open.role?.role === 'theoremLike');
    }
  };

  for (let line = 0; line < lexed.length; line++) {
    const tokens = lexed[line]!.tokens;
    const lineBraces = braces;
    /** Inside a brace group of the text, or a conditional: where balance cannot be known for sure. */
    const unsure = (textDepth: number | undefined): boolean => lineBraces + (textDepth ?? 0) > 0 || conditionals > 0;
    const topLevel = (): boolean => stack.top() === undefined || stack.top()!.name === 'document';
    if (topLevel() && lexed[line]!.kind === 'content') {
      bare.content(line);
      const heading = sectionHeading(lines, lexed, line);
      const first = tokens[0];
      if (heading) {
        sections.heading(heading);
        if (heading.level < LABEL_LEVEL) builder.headings.push({ level: heading.level, title: heading.title, range: heading.header });
      } else sections.takeContent(line, first?.t === 'begin' && first.ch === lexed[line]!.contentStart && roles(first.name)?.role === 'proof');
    }
    for (let t = 0; t < tokens.length; t++) {
      const token = tokens[t]!;
      if (builder.takeCommonToken({ line, token })) {
        const owner = stack.top();
        if (token.t === 'label' && owner) {
          if (owner.role?.role === 'statement' && owner.label === undefined) owner.label = token.name;
          builder.labels[builder.labels.length - 1]!.in = { environment: owner.name, ...(owner.option !== undefined ? { option: owner.option } : {}), header: range(owner.line, owner.ch, owner.line, owner.endCh) };
        }
        continue;
      }
      if (token.t === 'textBraces') {
        braces = Math.max(0, braces + token.delta);
      } else if (token.t === 'conditional') {
        if (token.part === 'if') conditionals++;
        else if (token.part === 'fi' && conditionals > 0) conditionals--;
      } else if (token.t === 'begin') {
        // `\begin{proof}` alone on its line, `[Proof of \Cref{x}]` on the next: LaTeX reads that option too.
        const nextLine = t === tokens.length - 1 && token.option === undefined && !MATH_ENVIRONMENTS.has(token.name) ? optionOnNextLine(lines, lexed, line) : undefined;
        const parent = stack.top();
        const atTop = topLevel();
        const role = roles(token.name);
        const inSection = atTop && role?.role === 'proof' && sections.proofEnvironment(line, token.ch);
        if (atTop && role?.role === 'statement' && role.kind !== 'claim') sections.statementEnvironment(line, token.ch);
        const open: OpenEnvironment = {
          name: token.name,
          line,
          ch: token.ch,
          endLine: nextLine ? line + 1 : line,
          endCh: nextLine ? nextLine.end : token.endCh,
          option: nextLine ? nextLine.inner : token.option,
          role,
          uncertain: unsure(token.textDepth),
          context: parent && (parent.role || !TEXT_ENVIRONMENTS.has(parent.name)) ? parent : parent?.context,
          label: undefined,
          owned: {},
          proof: undefined,
          nextStatement: undefined,
        };
        if (parent?.proof && !parent.nextStatement && open.role?.role === 'statement' && open.role.kind !== 'claim') {
          parent.nextStatement = { name: token.name, line, ch: token.ch };
        }
        stack.push(open);
        if (token.name === 'document') builder.bodyStartsAt({ line, character: token.endCh });
        if (open.role?.role === 'proof') {
          const header = range(line, token.ch, open.endLine, open.endCh);
          open.proof = {
            environment: token.name,
            range: { ...header },
            headerRange: header,
            bodyRange: range(open.endLine, open.endCh, open.endLine, open.endCh),
            closed: false,
            steps: [],
          };
          const reference = open.option === undefined ? undefined : REFERENCE_IN_OPTION.exec(open.option);
          const owner = open.context?.role?.role === 'statement' ? open.context : undefined;
          builder.attachProof(open.proof, {
            ...(reference ? { label: (reference[1] ?? reference[2]!).split(',')[0]!.trim() } : {}),
            ...(open.option !== undefined ? { title: open.option } : {}),
            ...(owner ? { owner: owner.owned } : {}),
            nested: (open.context !== undefined && !owner) || inSection,
          });
        }
        if (nextLine) break; // the rest of this line's tokens is the option's
      } else if (token.t === 'item') {
        const problem = items.get(`${line}:${token.ch}`);
        if (problem) addItemProblem(builder, problem);
      } else if (token.t === 'end') {
        if (token.name === 'document' && topLevel()) sections.end(line);
        closeEnvironment(token.name, line, token.ch, token.endCh, unsure(token.textDepth));
      }
    }
  }

  sections.end(lexed.length);
  const documentEnd = builder.documentEnd();
  for (let unclosed = stack.pop(); unclosed; unclosed = stack.pop()) {
    if (!unclosed.uncertain && !(fragment && unclosed.name === 'document')) {
      reportUnclosedEnvironment(
        unclosed,
        `\`\\begin{${shortName(unclosed.name)}}\` on ${lineLabel({ line: unclosed.line, character: 0 })} is never closed: add \`\\end{${shortName(unclosed.name)}}\`.`,
      );
    }
    end(unclosed, documentEnd.line, documentEnd.character, documentEnd.character, false);
  }
  return builder.finish(macros, environments, wrappers);

  /**
   * `\end{name}` at (line, ch..endCh): closes the innermost open `name` and everything opened inside it
   * (each reported as not closed); with no `name` open, LaTeX ends the innermost environment all the same
   * ("\begin{align*} ended by \end{align}"), so that is reported once, here, and that environment ends.
   * `uncertain`: the `\end` stands in a conditional or a brace group, so nothing is reported.
   */
  function closeEnvironment(name: string, line: number, ch: number, endCh: number, uncertain: boolean): void {
    const quoted = shortName(name);
    const here = range(line, ch, line, endCh);
    if (!stack.has(name)) {
      const top = stack.top();
      if (!uncertain && !top?.uncertain && !(fragment && !top)) {
        builder.diagnostics.push(finding(
          'unmatched-end',
          'certain',
          here,
          top && top.name !== 'document'
            ? `\`\\end{${quoted}}\` ends \`\\begin{${shortName(top.name)}}\` of ${lineLabel({ line: top.line, character: 0 })}: write \`\\end{${shortName(top.name)}}\`, or add the missing \`\\begin{${quoted}}\`.`
            : `\`\\end{${quoted}}\` has no matching \`\\begin{${quoted}}\`.`,
          top && top.name !== 'document' ? [{ range: range(top.line, top.ch, top.line, top.endCh), message: `\`\\begin{${shortName(top.name)}}\` opened here` }] : undefined,
        ));
      }
      if (top && top.name !== 'document') end(stack.pop()!, line, endCh, ch, true);
      return;
    }
    let closing = stack.pop()!;
    while (closing.name !== name) {
      if (!uncertain && !closing.uncertain) {
        reportUnclosedEnvironment(
          closing,
          `\`\\begin{${shortName(closing.name)}}\` on ${lineLabel({ line: closing.line, character: 0 })} is not closed before \`\\end{${quoted}}\` on ${lineLabel({ line, character: 0 })}.`,
          { range: here, message: `\`\\end{${quoted}}\` closes an outer environment here` },
        );
      }
      end(closing, line, ch, ch, false);
      closing = stack.pop()!;
    }
    end(closing, line, endCh, ch, true);
  }
}

/** Whether the file names its class (`\documentclass`): a document of its own, not a fragment of one. */
function declaresClass(lexed: readonly LexedLine<LatexState>[]): boolean {
  return lexed.some((line) => line.tokens.some((token) => token.t === 'package' && token.kind === 'class'));
}

/** `[...]` standing alone at the start of the line after `line` (the optional argument of a `\begin` that
 * ends `line`), or undefined. */
function optionOnNextLine(lines: readonly string[], lexed: readonly LexedLine<LatexState>[], line: number): { inner: string; end: number } | undefined {
  const next = lexed[line + 1];
  if (!next || next.kind !== 'content' || lines[line + 1]![next.contentStart] !== '[') return undefined;
  return readBracketGroup(lines[line + 1]!, next.contentStart);
}

/** Resolves an environment name to its role, from built-in names and the declarations (later ones win). */
export function environmentRoles(declarations: readonly EnvironmentDeclaration[]): (name: string) => EnvironmentRole | undefined {
  const declared = new Map<string, EnvironmentRole>();
  const aliases = new Map<string, string>();
  for (const d of declarations) {
    if (d.kind === 'statementEnvironment') {
      const role: EnvironmentRole = { role: 'statement', kind: d.statementKind, title: d.title };
      declared.set(d.name, role);
      declared.set(`${d.name}*`, role);
    } else if (d.kind === 'theoremLike') {
      declared.set(d.name, { role: 'theoremLike' });
      declared.set(`${d.name}*`, { role: 'theoremLike' });
    } else if (d.kind === 'proofEnvironment') {
      declared.set(d.name, { role: 'proof' });
    } else {
      aliases.set(d.name, d.wraps);
    }
  }
  const resolve = (name: string, depth: number): EnvironmentRole | undefined => {
    const own = declared.get(name);
    if (own) return own;
    const wrapped = aliases.get(name);
    if (wrapped !== undefined && depth < 8) return resolve(wrapped, depth + 1);
    if (isProofWord(name)) return { role: 'proof' };
    const kind = classifyStatementWord(name);
    return kind ? { role: 'statement', kind, title: TITLES[kind] } : undefined;
  };
  return (name) => resolve(name, 0);
}

/** The macros (`\newcommand`, `\def`, `\DeclareMathOperator`...), environments and wrappers of `\input`,
 * `\label` or `\ref` (wrappers.ts) that lexed LaTeX lines declare, in order. */
export function collectDefinitions(lexed: readonly LexedLine<unknown>[]): { macros: MacroDefinition[]; environments: EnvironmentDeclaration[]; wrappers: CommandWrapper[] } {
  const macros: MacroDefinition[] = [];
  const environments: EnvironmentDeclaration[] = [];
  const wrappers: CommandWrapper[] = [];
  for (const line of lexed) {
    for (const token of line.tokens) {
      if (token.t !== 'definition') continue;
      const d = token.definition;
      if (d.kind === 'macro') {
        macros.push({ name: d.name, arity: d.arity, body: d.body, ...(d.defaultArgument !== undefined ? { defaultArgument: d.defaultArgument } : {}) });
      } else if (d.kind !== 'command') environments.push(d);
      const wrapper = d.kind === 'macro' || d.kind === 'command' ? wrapperOf(d) : undefined;
      if (wrapper) wrappers.push(wrapper);
    }
  }
  return { macros, environments, wrappers };
}

/**
 * The open environments, innermost last, with a count per name so that "is `\end{x}` open anywhere?" is
 * answered at once: 50,000 `\end{b}` against 50,000 open `a`s must not search the stack each time.
 */
class EnvironmentStack {
  private readonly items: OpenEnvironment[] = [];
  private readonly open = new Map<string, number>();

  has(name: string): boolean {
    return (this.open.get(name) ?? 0) > 0;
  }

  push(environment: OpenEnvironment): void {
    this.items.push(environment);
    this.open.set(environment.name, (this.open.get(environment.name) ?? 0) + 1);
  }

  pop(): OpenEnvironment | undefined {
    const environment = this.items.pop();
    if (environment) this.open.set(environment.name, this.open.get(environment.name)! - 1);
    return environment;
  }

  top(): OpenEnvironment | undefined {
    return this.items[this.items.length - 1];
  }
}

/** A coded item of a list (itemLists.ts): a problem found by a guess, and, in a list of solutions, the
 * item's text as its solution. */
function addItemProblem(builder: StructureBuilder, item: ItemProblem): void {
  const { header, title } = item;
  const text = { start: header.end, end: item.solution ? header.end : item.statementEnd };
  builder.addStatement({ kind: 'problem', environment: 'item', title, range: { start: header.start, end: text.end }, headerRange: header, bodyRange: text, certainty: 'guess' }, title);
  if (item.solution) {
    builder.attachProof({ environment: 'solution', range: { start: header.start, end: item.end }, headerRange: header, bodyRange: { start: header.end, end: item.end }, closed: true, steps: [] });
  }
}
