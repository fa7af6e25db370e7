/**
 * Versions fixed at build time (esbuild `define`, see scripts/build.mjs). Run from source (tests through
 * tsx), they read "development".
 */
declare const SERVER_VERSION: string | undefined;
declare const NODE_LLAMA_CPP_VERSION: string | undefined;

export const BUILD_INFO = {
  serverVersion: typeof SERVER_VERSION === 'string' ? SERVER_VERSION : 'development',
  nodeLlamaCppVersion: typeof NODE_LLAMA_CPP_VERSION === 'string' ? NODE_LLAMA_CPP_VERSION : 'development',
};
