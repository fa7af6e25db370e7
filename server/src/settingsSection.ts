/**
 * The settings section, in `initializationOptions`, `workspace/configuration` and `didChangeConfiguration`.
 * A module of its own, with no imports, so the extension can read it at activation without loading the
 * protocol library.
 */
export const SETTINGS_SECTION = 'qedNano';
