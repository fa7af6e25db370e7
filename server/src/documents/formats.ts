/**
 * The files QED-Nano reads, by extension, in one list: the language server's documents (by file name when
 * the editor gives no language), the LaTeX files a project is made of (read from disk and watched), and the
 * command line's inputs all take their extensions from here.
 */
import type { DocumentFormat } from './proofDocument';

/** LaTeX documents. */
const LATEX_DOCUMENTS = ['.tex', '.latex', '.ltx'] as const;
/** LaTeX packages and classes: files of their projects (their declarations count), code rather than documents. */
const LATEX_PACKAGES = ['.sty', '.cls'] as const;
const MARKDOWN_DOCUMENTS = ['.md', '.markdown'] as const;

/** Every extension of the LaTeX files a project is made of. */
export const LATEX_EXTENSIONS: readonly string[] = [...LATEX_DOCUMENTS, ...LATEX_PACKAGES];

/** The glob of the files a workspace's projects are read from (and watched for). */
export const LATEX_FILES_GLOB = `**/*.{${LATEX_EXTENSIONS.map((extension) => extension.slice(1)).join(',')}}`;

/** The lower-cased extension of a path or URI (`''` when it has none). */
function extensionOf(name: string): string {
  const slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  const dot = name.lastIndexOf('.');
  return dot > slash ? name.slice(dot).toLowerCase() : '';
}

/** Whether `name` (a path or a URI) is a LaTeX file of a project: a document, a package or a class. */
export function isLatexFile(name: string): boolean {
  return LATEX_EXTENSIONS.includes(extensionOf(name));
}

/** Whether `name` is a LaTeX package or class: part of its projects' analysis, but code, not a document:
 * its own structure is not checked. */
export function isPackage(name: string): boolean {
  return (LATEX_PACKAGES as readonly string[]).includes(extensionOf(name));
}

/** The format of a proof document by its name (a package or class is none: no proofs in it), else undefined. */
export function documentFormatOf(name: string): DocumentFormat | undefined {
  const extension = extensionOf(name);
  if ((LATEX_DOCUMENTS as readonly string[]).includes(extension)) return 'latex';
  if ((MARKDOWN_DOCUMENTS as readonly string[]).includes(extension)) return 'markdown';
  return undefined;
}

/** The format a file is analysed in by its name: a document's, or LaTeX for a package or class. */
export function analysedFormatOf(name: string): DocumentFormat | undefined {
  return isPackage(name) ? 'latex' : documentFormatOf(name);
}
