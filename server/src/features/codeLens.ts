/** `textDocument/codeLens`: "Prove" above every statement that has no proof yet (or only an empty one) (client command `qedNano.prove`). */
import type { CodeLens } from 'vscode-languageserver';
import { stillToProve, type ProofDocumentAnalysis } from '../documents/model';

export const PROVE_COMMAND = 'qedNano.prove';

export function codeLenses(uri: string, analysis: ProofDocumentAnalysis): CodeLens[] {
  return analysis.statements
    .filter(stillToProve)
    .map((statement) => ({
      range: statement.headerRange,
      command: { title: '$(sparkle) Prove', command: PROVE_COMMAND, arguments: [uri, statement.headerRange.start] },
    }));
}
