/**
 * The command line's LaTeX projects: the files it was given, each with the project around it read from
 * disk the way the language server reads it (the folder of each file and the two above it, then what they
 * bring in), so a chapter is analysed with its root's declarations and labels, and its prompts carry the
 * project's macros and earlier results. Each input is asked about through a snapshot (workspace/snapshot.ts),
 * the same questions the language server's features ask.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ProjectIndex } from '../project/projectIndex';
import { ProjectLoader } from '../project/projectLoader';
import { MAX_ANALYSED_DOCUMENT_SIZE } from '../settings';
import { NO_USER_PATTERNS, type UserPatterns } from '../documents/userPatterns';
import { DocumentSnapshot } from '../workspace/snapshot';
import type { InputFile } from './inputs';

export class CliProjects {
  private constructor(readonly index: ProjectIndex) {}

  /** The index of `inputs` (as read, or as written since) and of the LaTeX projects around them;
   * `guesses`: findings report guesses too (qedNano.analysis.guesses); `patterns`: the formats the config
   * file teaches (qedNano.structure.*Patterns). */
  static async around(inputs: readonly InputFile[], guesses = false, patterns: UserPatterns = NO_USER_PATTERNS): Promise<CliProjects> {
    const index = new ProjectIndex(() => ({ maxDocumentSize: MAX_ANALYSED_DOCUMENT_SIZE, guesses, patterns }));
    const projects = new CliProjects(index);
    // Taken in first, analysed as files of their projects once all are read.
    for (const input of inputs) projects.take(input);
    const loader = new ProjectLoader(index, { maxFileSize: () => MAX_ANALYSED_DOCUMENT_SIZE, log: () => undefined });
    const folders = new Set(inputs.filter((input) => input.format === 'latex').map((input) => path.dirname(path.resolve(input.path))));
    for (const folder of folders) await loader.indexAround(folder);
    return projects;
  }

  /** The URI the index knows an input by. */
  static uriOf(input: Pick<InputFile, 'path'>): string {
    return pathToFileURL(path.resolve(input.path)).href;
  }

  /** `input` as it is now (its text may have been written since it was read), analysed as part of its project. */
  document(input: InputFile): DocumentSnapshot {
    const document = this.take(input);
    return new DocumentSnapshot(document, this.index.analysis(document.uri)!, this.index);
  }

  /** Takes `input`'s text into the index as a file no one edits (it keeps no line cache: a check of a 25 MB
   * book must not hold every line's tokens). */
  private take(input: InputFile): TextDocument {
    const uri = CliProjects.uriOf(input);
    const known = this.index.get(uri);
    const document = known?.document.getText() === input.text ? known.document : TextDocument.create(uri, input.format, (known?.document.version ?? 0) + 1, input.text);
    this.index.set(document, input.format, false);
    return document;
  }
}
