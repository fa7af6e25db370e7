/**
 * The entry point of document analysis: one analyzer per document keeps that document's line cache, so
 * re-analysis after an edit lexes only the changed lines (see incremental.ts). The structure is built
 * again only when the text changed, or the environments its project declares changed what one of the
 * file's environments is (a statement, its title, a proof), and references are checked
 * against the project's labels last (references.ts), so a label added in another chapter costs one pass
 * over this file's references, not an analysis.
 */
import { IncrementalLexer } from './incremental';
import { latexLineLexer } from './latexLexer';
import { buildLatexStructure, environmentRoles } from './latexStructure';
import { markdownLineLexer } from './markdownLexer';
import { buildMarkdownStructure } from './markdownStructure';
import { DEFAULT_MAX_DOCUMENT_SIZE } from './limits';
import { finding, reported } from './precision';
import { comparePositions, NO_LINKS, range, type DocumentFormat, type EnvironmentDeclaration, type LabelDefinition, type ProofDocumentAnalysis, type Reference, type StructuralDiagnostic } from './proofDocument';
import { labelDiagnostics, labelsAndReferences, type ProjectScope } from './references';
import type { UserPatterns } from './userPatterns';

export interface AnalyzerOptions {
  maxDocumentSize: number;
  /** Report what a check can only guess, as information (qedNano.analysis.guesses; off when absent). */
  guesses?: boolean;
  /** The formats the user taught (qedNano.structure.*Patterns, compiled by userPatterns.ts). */
  patterns?: UserPatterns;
}

export class ProofDocumentAnalyzer {
  private latex = new IncrementalLexer(latexLineLexer);
  private markdown = new IncrementalLexer(markdownLineLexer);

  /** The last structure, for its text and inherited environments; with the environments it begins and what
   * they were taken for (a LaTeX file's), so that other inherited environments that make no difference to
   * them keep it (a book whose package declares `theorem` as LaTeX's own word means it). */
  private structure:
    | { text: string; patterns: string; environments: ProjectScope['environments'] | undefined; analysis: ProofDocumentAnalysis; begun: readonly string[]; roles: string }
    | undefined;
  /** The last full analysis, for its structure, scope and whether it reports guesses. */
  private last: { structure: ProofDocumentAnalysis; scope: ProjectScope | undefined; guesses: boolean; analysis: ProofDocumentAnalysis } | undefined;

  constructor(readonly format: DocumentFormat) {}

  /** How many lines the last analysis lexed (the others were reused from the cache). */
  get lastLexedLineCount(): number {
    return this.format === 'latex' ? this.latex.lastLexedLineCount : this.markdown.lastLexedLineCount;
  }

  /**
   * Lets the line cache go (most of an analyser's memory: every line's tokens): for a file no one edits,
   * whose next analysis, if any, lexes it whole again. The last analysis stays.
   */
  compact(): void {
    this.latex = new IncrementalLexer(latexLineLexer);
    this.markdown = new IncrementalLexer(markdownLineLexer);
  }

  /**
   * Analyses `text` as a file of the project `scope` describes (undefined: a file alone), reusing what did
   * not change since the previous call. Never throws on any input.
   */
  analyze(text: string, options: AnalyzerOptions = { maxDocumentSize: DEFAULT_MAX_DOCUMENT_SIZE }, scope?: ProjectScope): ProofDocumentAnalysis {
    const refusal = refuse(text, options);
    if (refusal) return refused(this.format, refusal);
    const structure = this.structureOf(text, scope?.environments, options.patterns);
    const guesses = options.guesses === true;
    if (this.last?.structure === structure && this.last.scope === scope && this.last.guesses === guesses) return this.last.analysis;
    const labels = labelDiagnostics(structure, scope);
    const made = labelsAndReferences(structure, scope);
    const all = labels.length === 0 ? structure.diagnostics : [...structure.diagnostics, ...labels].sort((a, b) => comparePositions(a.range.start, b.range.start));
    const shown = reported(all, { guesses });
    const unchanged = shown.length === structure.diagnostics.length && labels.length === 0 && made.labels === structure.labels && made.references === structure.references;
    const analysis = unchanged ? structure : { ...structure, labels: made.labels as LabelDefinition[], references: made.references as Reference[], diagnostics: shown };
    this.last = { structure, scope, guesses, analysis };
    return analysis;
  }

  /**
   * What `text` itself says, before its project is known: its structure as a file alone, with its own facts
   * (links, labels, references, declarations), and no check of its references (the index reads a file's own
   * facts from it, and analyses it as a file of its project when asked).
   */
  facts(text: string, options: AnalyzerOptions = { maxDocumentSize: DEFAULT_MAX_DOCUMENT_SIZE }): ProofDocumentAnalysis {
    const refusal = refuse(text, options);
    return refusal ? refused(this.format, refusal) : this.structureOf(text, undefined, options.patterns);
  }

  private structureOf(text: string, environments: ProjectScope['environments'] | undefined, patterns: UserPatterns | undefined): ProofDocumentAnalysis {
    const cached = this.structure;
    const patternsKey = patterns?.key ?? '';
    if (cached && cached.text === text && cached.patterns === patternsKey) {
      if (cached.environments === environments) return cached.analysis;
      if (this.format === 'latex' && rolesOf(cached.begun, environments, cached.analysis.environments) === cached.roles) {
        cached.environments = environments;
        return cached.analysis;
      }
    }
    let analysis: ProofDocumentAnalysis;
    let begun: string[] = [];
    if (this.format === 'latex') {
      const { lines, results } = this.latex.update(text);
      analysis = buildLatexStructure(lines, results, environments, patterns);
      const names = new Set<string>();
      for (const line of results) for (const token of line.tokens) if (token.t === 'begin') names.add(token.name);
      begun = [...names];
    } else {
      const { lines, results } = this.markdown.update(text);
      analysis = buildMarkdownStructure(lines, results, patterns);
    }
    this.structure = { text, patterns: patternsKey, environments, analysis, begun, roles: this.format === 'latex' ? rolesOf(begun, environments, analysis.environments) : '' };
    return analysis;
  }
}

function refused(format: DocumentFormat, refusal: StructuralDiagnostic): ProofDocumentAnalysis {
  return { format, statements: [], headings: [], orphanProofs: [], additionalProofs: [], labels: [], references: [], macros: [], environments: [], wrappers: [], links: NO_LINKS, diagnostics: [refusal] };
}

/** What the environments `begun` are taken for, with `inherited` and the file's `own` declarations, as a
 * string: the structure of a LaTeX file depends on its project's declarations only through it. */
function rolesOf(begun: readonly string[], inherited: readonly EnvironmentDeclaration[] | undefined, own: readonly EnvironmentDeclaration[]): string {
  const roles = environmentRoles([...(inherited ?? []), ...own]);
  return JSON.stringify(begun.map((name) => roles(name) ?? null));
}

/** One-shot analysis (tests, benchmarks, tools). */
export function analyzeDocument(format: DocumentFormat, text: string, options?: AnalyzerOptions, scope?: ProjectScope): ProofDocumentAnalysis {
  return new ProofDocumentAnalyzer(format).analyze(text, options, scope);
}

/** A document that is too large, or is not text at all, gets one clear message instead of analysis. */
function refuse(text: string, { maxDocumentSize }: AnalyzerOptions): StructuralDiagnostic | undefined {
  if (text.length > maxDocumentSize) {
    return finding(
      'document-too-large',
      'certain',
      range(0, 0, 0, 0),
      `QED-Nano skips the outline and structure checks of this document: it has ${text.length.toLocaleString('en')} characters, more than the limit of ${maxDocumentSize.toLocaleString('en')} (setting qedNano.analysis.maxDocumentSize).`,
    );
  }
  if (looksBinary(text)) {
    return finding('binary-document', 'certain', range(0, 0, 0, 0), 'QED-Nano skips this document: it looks like binary data, not LaTeX or Markdown text.');
  }
  return undefined;
}

/** NUL characters or many U+FFFD replacement characters in the first 8 KB mean a binary file. */
function looksBinary(text: string): boolean {
  const sample = Math.min(text.length, 8192);
  let suspicious = 0;
  for (let i = 0; i < sample; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return true;
    if (c === 0xfffd) suspicious++;
  }
  return sample > 0 && suspicious / sample > 0.05;
}
