/** Default time for all attribute rules of one verification phase (see bounded.ts). */
export const DEFAULT_ATTRIBUTE_TIMEOUT_MS = 5000;
