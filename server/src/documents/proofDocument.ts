/**
 * The proof-document model: what analysis of a LaTeX or Markdown file yields.
 *
 * Positions are LSP-shaped (zero-based line, UTF-16 code-unit character) so that results map onto the
 * editor without conversion, but nothing here depends on the LSP library: analysis is pure text -> data.
 */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type DocumentFormat = 'latex' | 'markdown';

/** The kinds of statement that ask for a proof. */
export type StatementKind =
  | 'theorem'
  | 'lemma'
  | 'proposition'
  | 'corollary'
  | 'claim'
  | 'problem'
  | 'exercise'
  | 'conjecture';

/** Statement kinds that are tasks to solve: having no proof yet is worth telling the user. */
export const TASK_KINDS: ReadonlySet<StatementKind> = new Set<StatementKind>(['problem', 'exercise']);

export type StepKind = 'paragraph' | 'item' | 'display';

/** One step of a proof: the unit that critiques are mapped onto. */
export interface ProofStep {
  kind: StepKind;
  /** Trimmed to the step's own text (no surrounding blank lines or proof markers). */
  range: Range;
}

export interface Proof {
  /** `proof`, `solution`, or the name of an environment declared to wrap one. */
  environment: string;
  /** From the opening marker to the closing marker (or the end of the proof's section). */
  range: Range;
  /** The opening marker (`\begin{proof}`, `**Proof.**`, a "Proof" heading). */
  headerRange: Range;
  /** The text between the markers. Empty (start = end) for an empty proof. */
  bodyRange: Range;
  /** Whether an explicit end was written (`\end{proof}`, ∎, QED...). */
  closed: boolean;
  steps: ProofStep[];
}

export interface Statement {
  kind: StatementKind;
  /** The environment name (LaTeX) or label word (Markdown) as written, e.g. `thm`, `Theorem`. */
  environment: string;
  /** What the reader sees as the statement's name, e.g. "Theorem 2 (AM-GM)". */
  title: string;
  /** `\label{...}` inside the statement, if any. */
  label?: string;
  /** The statement itself, from its opening marker to its end (not including the proof). */
  range: Range;
  /** The opening marker: what a symbol selects and where a CodeLens sits. */
  headerRange: Range;
  /** The statement's text without its markers. */
  bodyRange: Range;
  proof?: Proof;
  /** How sure the analysis is that this is a statement (recognition.ts): absent when it is sure (an
   * environment, a heading or label that names its kind); `guess` for a format guessed from the file's
   * conventions, whose findings are then guesses too. */
  certainty?: 'likely' | 'guess';
}

/**
 * Whether a statement still asks for a proof: it has none, or only an empty one (a `**Solution.**` label or
 * a `\begin{proof}\end{proof}` written ahead, with nothing in it yet). Prove offers it, "no proof yet" is
 * said of it, and an insertion fills the empty proof in place.
 */
export function stillToProve(statement: Statement): boolean {
  return statement.proof === undefined || statement.proof.steps.length === 0;
}

export type Severity = 'error' | 'warning' | 'information';

export type DiagnosticCode =
  | 'unclosed-environment'
  | 'unclosed-definition'
  | 'math-mode-conflict'
  | 'unmatched-end'
  | 'unclosed-math'
  | 'unmatched-math-close'
  | 'unbalanced-braces-in-math'
  | 'undefined-reference'
  | 'duplicate-label'
  | 'missing-external-document'
  | 'proof-without-statement'
  | 'problem-without-proof'
  | 'document-too-large'
  | 'binary-document';

/** How sure a rule is of a finding: the one scale of precision.ts, whose table gives each certainty its severity. */
export type Certainty = 'certain' | 'likely' | 'guess';

export interface StructuralDiagnostic {
  code: DiagnosticCode;
  /** How sure the rule is of this finding (precision.ts); the severity follows from it. */
  certainty: Certainty;
  severity: Severity;
  range: Range;
  message: string;
  /** Where the offending construct was opened, when that is elsewhere (`uri`: in another file of the project). */
  related?: { range: Range; message: string; uri?: string }[];
}

/** A macro the document defines (`\newcommand`, `\DeclareMathOperator`...): the panel typesets with them. */
export interface MacroDefinition {
  name: string;
  /** Number of arguments (0 when none). */
  arity: number;
  body: string;
  /** `\newcommand{\x}[2][default]{...}`: the first argument is optional, with this default. */
  defaultArgument?: string;
}

export interface LabelDefinition {
  name: string;
  /** The whole command (`\label{x}`, or the project macro's use that makes the label). */
  range: Range;
  /** The environment the label stands in (innermost), as begun: what completion and hover call it by. */
  in?: { environment: string; option?: string; header: Range };
  /** Made by a macro of the project that wraps `\label` (see `CommandWrapper`). */
  via?: WrappedName;
}

export interface Reference {
  command: string;
  name: string;
  /** The whole command (`\cref{a,b}` for both of its names), or the project macro's use. */
  range: Range;
  /** Made by a macro of the project that wraps a reference command (see `CommandWrapper`). */
  via?: WrappedName;
}

/** How a project macro's use writes a label name: `\mylabel{x}` with `\newcommand{\mylabel}[1]{\label{sec:#1}}`
 * writes `x` at `nameRange` and the macro adds `prefix` (`sec:`) and `suffix` (none). */
export interface WrappedName {
  macro: string;
  /** Where the argument that becomes the name is written; undefined when the name is made of several. */
  nameRange: Range | undefined;
  prefix: string;
  suffix: string;
}

/** A macro that passes an argument on to `\input`-like commands, `\label` or a reference command
 * (`\newcommand{\myref}[1]{\ref{sec:#1}}`, xparse's `\NewDocumentCommand{\olimport}{o m}{...}`): its uses
 * count as what it wraps, where its project knows it. */
export interface CommandWrapper {
  name: string;
  /** Each parameter in order: `m` mandatory (a brace group), `o` optional (a bracket group), `s` a star. */
  parameters: readonly ('m' | 'o' | 's')[];
  /** The default of each optional parameter that has one (`O{x}`, `\newcommand`'s `[x]`), by position. */
  defaults: readonly (string | undefined)[];
  /** The commands its body passes arguments to, in order (`#1` in their arguments). */
  forms: readonly WrappedCommand[];
}

export interface WrappedCommand {
  role: 'include' | 'label' | 'reference';
  /** The wrapped command: `input`, `subimport`, `label`, `cref`... */
  command: string;
  /** Its arguments as the body writes them, with `#n` (`\import`-like: folder, then file). */
  arguments: readonly string[];
}

/** A theorem-like or proof environment a file declares (`\newtheorem`, `\declaretheorem`, or
 * `\newenvironment` wrapping one): what a project's other files may use. A theorem-like environment whose
 * word is no statement kind (`Definition`, `Fact`, `Observation`) is `theoremLike`: not a statement to
 * prove, but a proof may follow it like any other. */
export type EnvironmentDeclaration =
  | { kind: 'statementEnvironment'; name: string; statementKind: StatementKind; title: string }
  | { kind: 'theoremLike'; name: string; title: string }
  | { kind: 'proofEnvironment'; name: string }
  | { kind: 'environmentAlias'; name: string; wraps: string };

/** `\input{chapters/one}`, `\include`, `\subfile`, `\import{folder}{file}`...: a file of the project, as written. */
export interface IncludeLink {
  command: string;
  target: string;
  /** The folder `\import`/`\subimport` name. */
  folder?: string;
  /** xr's `\externaldocument[prefix]{file}`: references to that document's labels carry this prefix. */
  prefix?: string;
  range: Range;
}

/** How a LaTeX file takes part in a project of several files, as it writes it (nothing is resolved here). */
export interface ProjectLinks {
  /** `% !TEX root = ../main.tex`: the root, relative to this file. */
  rootComment?: string;
  /** `\documentclass[option]{name}`: the file is a root (a subfiles chapter names its root in `option`). */
  documentClass?: { name: string; option?: string };
  /** `\usepackage`/`\RequirePackage` and `\LoadClass` names: a local `.sty`/`.cls` of that name belongs to the project. */
  packages: string[];
  classes: string[];
  includes: IncludeLink[];
}

export const NO_LINKS: ProjectLinks = { packages: [], classes: [], includes: [] };

/** A sectioning heading (LaTeX `\section{...}` and its kin, a Markdown `#` heading): the outline's parents of
 * the statements under it. Headings that are themselves a statement or a solution are among them too. */
export interface Heading {
  /** Lower is outer (LaTeX: `\part` 0 ... `\subparagraph` 6; Markdown: the number of `#`). */
  level: number;
  /** As written (LaTeX source, Markdown text). */
  title: string;
  range: Range;
}

export interface ProofDocumentAnalysis {
  format: DocumentFormat;
  statements: Statement[];
  headings: Heading[];
  /** Proofs that seem to follow no statement (a guess: reported only when guesses are asked for). */
  orphanProofs: Proof[];
  /** Proofs that are no statement's own proof but stand where a proof may: further proofs of a statement
   * (`Second proof`, `Proof of Theorem~\ref{x}` once x has one), proofs after a definition, a remark or an
   * environment the analysis does not know, proofs with a title of their own. */
  additionalProofs: Proof[];
  labels: LabelDefinition[];
  references: Reference[];
  macros: MacroDefinition[];
  /** The environments this file declares (its own statements use them; so do the project's other files). */
  environments: EnvironmentDeclaration[];
  /** The macros this file defines that wrap `\input`, `\label` or `\ref`-like commands: its project's files
   * use them. (`labels` and `references` hold their uses too, marked `via`, where the analysis was given its
   * project's wrappers; `links` only what the file writes directly.) */
  wrappers: CommandWrapper[];
  links: ProjectLinks;
  diagnostics: StructuralDiagnostic[];
}

export function range(startLine: number, startChar: number, endLine: number, endChar: number): Range {
  return { start: { line: startLine, character: startChar }, end: { line: endLine, character: endChar } };
}

export function comparePositions(a: Position, b: Position): number {
  return a.line - b.line || a.character - b.character;
}

/** One-based line number for messages shown to people. */
export function lineLabel(position: Position): string {
  return `line ${position.line + 1}`;
}

/** Longest name quoted in a message: an environment or label name is never repeated in full. */
const QUOTED_NAME_LENGTH = 40;

/** A name as a message quotes it: cut to a readable length (a 100,000-character name would otherwise be
 * copied into every message that mentions it). */
export function shortName(name: string): string {
  return name.length <= QUOTED_NAME_LENGTH ? name : `${name.slice(0, QUOTED_NAME_LENGTH - 1)}…`;
}
