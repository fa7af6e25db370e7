/**
 * LaTeX structure: theorem-like environments and the proofs after them, from the lexed lines.
 * Environments count as statements or proofs when they are built in (theorem, lemma, ..., proof, solution,
 * and starred forms) or declared in the document (\newtheorem, \declaretheorem, or \newenvironment wrapping
 * one of those), wherever in the document the declaration stands, or elsewhere in its project (`inherited`:
 * the root's preamble, local packages, other chapters; the file's own declarations win).
 */
import { classifyStatementWord, isProofWord, type LexedLine } from './tokens';
import {
  lineLabel,
  range,
  shortName,
  type MacroDefinition,
  type Proof,
  type Position,
  type ProofDocumentAnalysis,
  type Range,
  type StatementKind,
  type EnvironmentDeclaration,
  type CommandWrapper,
} from './proofDocument';
import { StructureBuilder } from './structure';
import { wrapperOf } from './wrappers';
import type { LatexState } from './latexLexer';

export type EnvironmentRole = { role: 'statement'; kind: StatementKind; title: string } | { role: 'proof' };

interface OpenEnvironment {
  name: string;
  line: number;
  ch: number;
  /** End of `\begin{name}[option]`. */
  endCh: number;
  option: string | undefined;
  role: EnvironmentRole | undefined;
  /** The first `\label` directly inside a statement. */
  label: string | undefined;
  /** For a proof environment: the proof, attached to its statement when it opened. */
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

const REFERENCE_IN_OPTION = /\\(?:ref|cref|Cref|autoref)\s*\{([^}]+)\}/;

export function buildLatexStructure(
  lines: readonly string[],
  lexed: readonly LexedLine<LatexState>[],
  inherited: readonly EnvironmentDeclaration[] = [],
): ProofDocumentAnalysis {
  const { macros, environments, wrappers } = collectDefinitions(lexed);
  const roles = environmentRoles([...inherited, ...environments]);
  const builder = new StructureBuilder('latex', lines, lexed);
  const stack = new EnvironmentStack();

  const reportUnclosed = (open: OpenEnvironment, message: string, related?: { range: Range; message: string }): void => {
    builder.diagnostics.push({
      code: 'unclosed-environment',
      severity: 'error',
      range: range(open.line, open.ch, open.line, open.endCh),
      message,
      ...(related ? { related: [related] } : {}),
    });
  };

  /** Where an unclosed proof ends: before the first statement begun inside it, if any. */
  const unclosedProofEnd = (open: OpenEnvironment): Position | undefined => {
    const next = open.nextStatement;
    if (!next) return undefined;
    const header = { line: open.line, character: open.endCh };
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
      builder.addStatement({
        kind: open.role.kind,
        environment: open.name,
        title: open.option ? `${open.role.title} (${shortName(open.option.trim())})` : open.role.title,
        ...(open.label !== undefined ? { label: open.label } : {}),
        range: range(open.line, open.ch, endLine, endCh),
        headerRange: range(open.line, open.ch, open.line, open.endCh),
        bodyRange: range(open.line, open.endCh, endLine, closerCh),
      });
    }
  };

  for (let line = 0; line < lexed.length; line++) {
    for (const token of lexed[line]!.tokens) {
      if (builder.takeCommonToken({ line, token })) {
        const owner = stack.top();
        if (token.t === 'label' && owner) {
          if (owner.role?.role === 'statement' && owner.label === undefined) owner.label = token.name;
          builder.labels[builder.labels.length - 1]!.in = { environment: owner.name, ...(owner.option !== undefined ? { option: owner.option } : {}), header: range(owner.line, owner.ch, owner.line, owner.endCh) };
        }
        continue;
      }
      if (token.t === 'begin') {
        const open: OpenEnvironment = {
          name: token.name,
          line,
          ch: token.ch,
          endCh: token.endCh,
          option: token.option,
          role: roles(token.name),
          label: undefined,
          proof: undefined,
          nextStatement: undefined,
        };
        const parent = stack.top();
        if (parent?.proof && !parent.nextStatement && open.role?.role === 'statement' && open.role.kind !== 'claim') {
          parent.nextStatement = { name: token.name, line, ch: token.ch };
        }
        stack.push(open);
        if (open.role?.role === 'proof') {
          open.proof = {
            environment: token.name,
            range: range(line, token.ch, line, token.endCh),
            headerRange: range(line, token.ch, line, token.endCh),
            bodyRange: range(line, token.endCh, line, token.endCh),
            closed: false,
            steps: [],
          };
          builder.attachProof(open.proof, token.option ? REFERENCE_IN_OPTION.exec(token.option)?.[1]?.trim() : undefined);
        }
      } else if (token.t === 'end') {
        const name = shortName(token.name);
        if (!stack.has(token.name)) {
          builder.diagnostics.push({
            code: 'unmatched-end',
            severity: 'error',
            range: range(line, token.ch, line, token.endCh),
            message: `\`\\end{${name}}\` has no matching \`\\begin{${name}}\`.`,
          });
          continue;
        }
        let closing = stack.pop()!;
        while (closing.name !== token.name) {
          reportUnclosedEnvironment(
            closing,
            `\`\\begin{${shortName(closing.name)}}\` on ${lineLabel({ line: closing.line, character: 0 })} is not closed before \`\\end{${name}}\` on ${lineLabel({ line, character: 0 })}.`,
            { range: range(line, token.ch, line, token.endCh), message: `\`\\end{${name}}\` closes an outer environment here` },
          );
          end(closing, line, token.ch, token.ch, false);
          closing = stack.pop()!;
        }
        end(closing, line, token.endCh, token.ch, true);
      }
    }
  }

  const documentEnd = builder.documentEnd();
  for (let unclosed = stack.pop(); unclosed; unclosed = stack.pop()) {
    reportUnclosedEnvironment(
      unclosed,
      `\`\\begin{${shortName(unclosed.name)}}\` on ${lineLabel({ line: unclosed.line, character: 0 })} is never closed: add \`\\end{${shortName(unclosed.name)}}\`.`,
    );
    end(unclosed, documentEnd.line, documentEnd.character, documentEnd.character, false);
  }
  return builder.finish(macros, environments, wrappers);
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
