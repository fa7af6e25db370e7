/** A document alone (no project around it) as the server sees it: a snapshot of one version, analysed by a
 * project index of its own, as DocumentStore and the command line make them. */
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { DocumentFormat } from '../../server/src/documents/proofDocument';
import { NO_USER_PATTERNS } from '../../server/src/documents/userPatterns';
import { ProjectIndex } from '../../server/src/project/projectIndex';
import { MAX_ANALYSED_DOCUMENT_SIZE } from '../../server/src/settings';
import { DocumentSnapshot } from '../../server/src/workspace/snapshot';

export function snapshotOf(uri: string, format: DocumentFormat, text: string, version = 1): DocumentSnapshot {
  const index = new ProjectIndex(() => ({ maxDocumentSize: MAX_ANALYSED_DOCUMENT_SIZE, guesses: false, patterns: NO_USER_PATTERNS }));
  const document = TextDocument.create(uri, format, version, text);
  index.set(document, format, true);
  return new DocumentSnapshot(document, index.analysis(uri)!, index);
}
