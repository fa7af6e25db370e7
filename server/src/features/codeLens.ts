/** `textDocument/codeLens`: "Prove" above every statement that has no proof yet (or only an empty one) (client command `qedNano.prove`). */
import type { CodeLens } from 'vscode-languageserver';
import { stillToProve, type ProofDocumentAnalysis } from '../documents/proofDocument';
import { CLIENT_COMMANDS } from '../protocol';

/** `lensCommand`: the command id as the client runs it ('' when it does not). */
export function codeLenses(uri: string, analysis: ProofDocumentAnalysis, lensCommand: (command: string) => string): CodeLens[] {
  return analysis.statements
    .filter(stillToProve)
    .map((statement) => ({
      range: statement.headerRange,
      command: { title: '$(sparkle) Prove', command: lensCommand(CLIENT_COMMANDS.prove), arguments: [uri, statement.headerRange.start] },
    }));
}
