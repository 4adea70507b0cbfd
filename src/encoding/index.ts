// Byte-exact encodings: canonical JSON, base64 (both alphabets), hex, and JSON parsing with located errors.
export { canonicalJson, canonicalBytes } from './canonical.js';
export { decodeBase64, encodeBase64, decodeHex } from './base64.js';
export { decodeText, parseJson, parseJsonExact, prettySortedJson } from './json.js';
export { JsonNumber } from './exact-json.js';
export { parseRfc3339, parseIntotoDate, isIntotoDate } from './date.js';
