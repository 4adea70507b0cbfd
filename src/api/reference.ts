import { formatReference, parseReference, type Reference } from '../oci/index.js';

// References as text: parsing and printing, for faces that must tell a file from a reference
// before anything is opened (src/cli/file-or-reference.ts).

export { parseReference, formatReference, type Reference };

/** The repository a reference names, without tag or digest: `host/repo` or `oci:DIR`. */
export function repositoryOf(ref: Reference): string {
  return formatReference({ ...ref, tag: undefined, digest: undefined });
}
