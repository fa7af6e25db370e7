/** What a LaTeX file's project adds to its prompts and views: the project's macros in reading order and the
 * results stated in the files read before it (the last ones a prompt quotes). */
import type { MacroDefinition, ProofDocumentAnalysis, Range } from '../documents/proofDocument';
import type { ProjectReader } from '../project/projectIndex';
import { earlierResults, type ProjectContext } from '../prompts/proofPrompt';

/** Undefined for a file alone (no root, or several): its prompts then read only the file itself. */
export function projectContext(index: ProjectReader, uri: string): ProjectContext | undefined {
  if (!index.projectOf(uri)) return undefined;
  const { macros, before } = index.surroundings(uri);
  const files = before.map((file) => ({
    // Asked for only when earlierResults reaches the file (from the last): the project's first files, whose
    // results a prompt does not quote, are not analysed for it.
    get analysis(): ProofDocumentAnalysis {
      return index.analysis(file.uri)!;
    },
    text: (range: Range) => file.document.getText(range),
  }));
  return { macros, earlier: earlierResults(files) };
}

/** The macros in force in `uri`: its project's, or its own for a file alone (cheap: no earlier results). */
export function macrosInForce(index: ProjectReader, uri: string): readonly MacroDefinition[] {
  return index.surroundings(uri).macros;
}
