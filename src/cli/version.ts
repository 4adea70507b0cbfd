/**
 * Cairn's version, as package.json says (test/unit/cli/version.test.ts keeps them equal); printed by
 * `cairn --version` and written into verification summaries. A constant, not a read of package.json
 * at run time: the bundled CLI must not depend on where it was installed.
 */
export const CAIRN_VERSION = '0.1.0';
