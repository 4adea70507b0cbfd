import { lstatSync } from 'node:fs';
import { CairnError, isCairnError } from '../errors.js';
import type { Reference } from '../api/reference.js';

// The one rule for every flag that takes a file or a reference (`verify --layout`, `--trusted-root`,
// `trust --root`, `trust show`) and for `--revoke-key` (a file or a keyid). A pinned reference
// must never be replaced by a local file that happens to carry its name (issue 13 §3: a file
// named `REF@sha256:...` in the working directory used to win over the pin), so the text is
// read as a reference first, by its shape alone, and the disk is consulted only to refuse:
//
//   1. `/...`, `./...`, `../...` (or `.`, `..`): a file, always.
//   2. `oci:...`, anything with `@<algorithm>:` (a digest), or a first component that is a
//      registry host (has a `.` or a `:`, is `localhost`, or `[...]`): a reference. If a file
//      or directory of exactly that name exists too, both readings are possible: exit 2 with
//      a line saying to write `./NAME` for the file.
//   3. anything else (`root.layout`, `layouts/root.layout`): a file. Docker Hub short names
//      are references only with a digest or written in full (`docker.io/library/x:tag`).
//
// Documented in docs/registry.md ("Files or references").

export type FileOrReference = { kind: 'file'; path: string } | { kind: 'reference'; text: string; ref: Reference };

const EXPLICIT_PATH = /^(?:\.{1,2}(?:\/|$)|\/)/;
const DIGEST_PART = /@[a-z0-9]+(?:[+._-][a-z0-9]+)*:/;

/** True when `text` is written as a reference (rule 2), whatever the disk holds. */
export function looksLikeReference(text: string): boolean {
  if (EXPLICIT_PATH.test(text)) return false;
  if (text.startsWith('oci:') || DIGEST_PART.test(text)) return true;
  const slash = text.indexOf('/');
  if (slash <= 0) return false;
  const first = text.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[');
}

function existsHere(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Reads `text` given to `flag` as a file or a reference, by the rule above. */
export async function fileOrReference(text: string, flag: string): Promise<FileOrReference> {
  if (!looksLikeReference(text)) return { kind: 'file', path: text };
  if (existsHere(text)) {
    throw new CairnError('INVALID_ARGUMENT', `${flag} ${text}: is both a reference and the name of a file here; write ./${text} for the file, or move the file away to use the reference`);
  }
  const { parseReference } = await import('../api/reference.js');
  try {
    return { kind: 'reference', text, ref: parseReference(text) };
  } catch (err) {
    if (!isCairnError(err, 'INVALID_ARGUMENT')) throw err;
    throw new CairnError('INVALID_ARGUMENT', `${flag} ${text}: not a valid reference (${err.message}); for a file, write ./${text}`);
  }
}

/** A flag that takes only a reference: explicit paths are refused, the rest parsed. */
export async function referenceOnly(text: string, flag: string): Promise<Reference> {
  if (EXPLICIT_PATH.test(text)) throw new CairnError('INVALID_ARGUMENT', `${flag} ${text}: takes a reference (REGISTRY/REPO@sha256:... or oci:DIR@sha256:...), not a file`);
  const { parseReference } = await import('../api/reference.js');
  return parseReference(text);
}

const KEYID = /^[0-9a-f]{64}$/;

/** `--revoke-key`: 64 lowercase hex digits are a keyid, anything else a public key file (never both). */
export function fileOrKeyid(text: string, flag: string): { kind: 'keyid'; keyid: string } | { kind: 'file'; path: string } {
  if (!KEYID.test(text)) return { kind: 'file', path: text };
  if (existsHere(text)) throw new CairnError('INVALID_ARGUMENT', `${flag} ${text}: is both a keyid and the name of a file here; write ./${text} for the file`);
  return { kind: 'keyid', keyid: text };
}
