/** Documents above this many characters are not analysed unless the user raises the limit
 * (`qedNano.analysis.maxDocumentSize`). Its own module so that the settings (which the client reads too)
 * need nothing of the analyzer. */
export const DEFAULT_MAX_DOCUMENT_SIZE = 2_000_000;

/** LaTeX files of a workspace read from disk for its projects unless the user raises the cap
 * (`qedNano.analysis.maxProjectFiles`); `MAX_PROJECT_FILES` is the most a setting can ask for (the loader's
 * limit on the text read, 32 MB, still holds). */
export const DEFAULT_MAX_PROJECT_FILES = 5_000;
export const MAX_PROJECT_FILES = 50_000;
