/** What a LaTeX file's project adds to its prompts and views: the project's macros in reading order and the
 * results stated in the files read before it (the last ones a prompt quotes). */
import type { Range } from '../documents/proofDocument';
import type { ProjectIndex } from '../project/projectIndex';
import { earlierResults, type ProjectContext } from '../prompts/proofPrompt';

/** Undefined for a file alone (no root, or several): its prompts then read only the file itself. */
export function projectContext(index: ProjectIndex, uri: string): ProjectContext | undefined {
  if (!index.projectOf(uri)) return undefined;
  const { macros, before } = index.surroundings(uri);
  const files = before.flatMap((file) => {
    const analysis = index.analysis(file.uri);
    return analysis ? [{ analysis, text: (range: Range) => file.document.getText(range) }] : [];
  });
  return { macros, earlier: earlierResults(files) };
}
