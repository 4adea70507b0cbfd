/** Cairn's version, as package.json says; written into verification summaries. */
export const CAIRN_VERSION = '0.1.0';
