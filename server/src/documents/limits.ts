/** Documents above this many characters are not analysed unless the user raises the limit
 * (`qedNano.analysis.maxDocumentSize`). Its own module so that the settings (which the client reads too)
 * need nothing of the analyzer. */
export const DEFAULT_MAX_DOCUMENT_SIZE = 2_000_000;
