/**
 * One document at one version with every answer a feature asks of it, as rust-analyzer's `ide` crate
 * answers from an immutable snapshot and texlab hands each feature its FeatureParams: the text and its
 * analysis (as a file of its LaTeX project), the statement at a position, the statements' identities, the
 * proofs, what the project adds (macros, earlier results) and the problem text the model reads for a
 * statement. No LSP here: the language server's features translate requests into questions to a snapshot,
 * and the command line asks the same questions of its own (cli/projects.ts).
 *
 * A snapshot is taken for one request or one piece of work and not kept: what it works out (identities,
 * proofs, the project's context) is worked out once, on first need, for the version it holds.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { DocumentFormat, MacroDefinition, Position, ProofDocumentAnalysis, Range, Statement } from '../documents/proofDocument';
import { katexMacros, statementAt, statementIdentities, statementWithKey, statementWithText, type StatementIdentity } from '../documents/queries';
import type { ProjectReader } from '../project/projectIndex';
import { proofProblem, statementProblem, type ProjectContext } from '../prompts/proofPrompt';
import { macrosInForce, projectContext } from './projectContext';
import { proofsOf, type ProofNow } from './proofs';

export class DocumentSnapshot {
  private identitiesNow: Map<Statement, StatementIdentity> | undefined;
  private proofsNow: ProofNow[] | undefined;
  private projectNow: { context: ProjectContext | undefined } | undefined;

  /** `analysis`: `document`'s, as `index` analyses it as a file of its project. */
  constructor(
    readonly document: TextDocument,
    readonly analysis: ProofDocumentAnalysis,
    private readonly index: ProjectReader,
  ) {}

  get uri(): string {
    return this.document.uri;
  }

  get version(): number {
    return this.document.version;
  }

  get format(): DocumentFormat {
    return this.analysis.format;
  }

  /** The text of `range` in this version. */
  readonly text = (range: Range): string => this.document.getText(range);

  /** The statement at `position` (in its header, body or proof). */
  statementAt(position: Position): Statement | undefined {
    return statementAt(this.analysis, position);
  }

  /** Every statement's identity (documents/queries.ts statementIdentities). */
  identities(): ReadonlyMap<Statement, StatementIdentity> {
    return (this.identitiesNow ??= statementIdentities(this.analysis, this.text));
  }

  /** The statement whose identity's key is `key` in this version. */
  statementWithKey(key: string): Statement | undefined {
    return statementWithKey(this.analysis, this.text, key);
  }

  /** The first statement whose text, as the model reads it, is `cleanText`. */
  statementWithText(cleanText: string): Statement | undefined {
    return statementWithText(this.analysis, this.text, cleanText);
  }

  /** The proofs with steps, in document order (workspace/proofs.ts). */
  proofs(): readonly ProofNow[] {
    return (this.proofsNow ??= proofsOf(this.analysis, this.text, this.identities()));
  }

  /** What the file's LaTeX project adds to its prompts; undefined for a file alone. */
  project(): ProjectContext | undefined {
    return (this.projectNow ??= { context: projectContext(this.index, this.uri) }).context;
  }

  /** The macros in force (the project's, or the file's own), as KaTeX takes them: what the views typeset with.
   * Cheap: the project's earlier results are not gathered for it. */
  katexMacros(): Record<string, string> {
    return katexMacros({ macros: this.macros() });
  }

  /** The macros in force: the project's in reading order, or the file's own for a file alone. */
  macros(): readonly MacroDefinition[] {
    return this.projectNow?.context?.macros ?? macrosInForce(this.index, this.uri);
  }

  /** The problem the model is asked about `statement`: its text with the macros and the results before it
   * (prompts/proofPrompt.ts), the project's among them. Every task's problem comes from here. */
  problem(statement: Statement): string {
    return statementProblem(this.analysis, statement, this.text, this.project());
  }

  /** The problem for a text that may be no statement of its own (a selection), read at `before`. */
  problemOfText(statementText: string, before: Position): string {
    return proofProblem(this.analysis, statementText, before, this.text, this.project());
  }
}
