import { CairnError } from '../errors.js';
import { parseJson } from '../encoding/index.js';
import { fetchManifestNode, fetchVerified, resolveReference } from '../oci/index.js';
import type { IdentityPolicy, SigstoreTrustedRoot } from '../sigstore/index.js';
import { openRef, withStores, type StoreAccess } from './access.js';
import { diskReader, type FileReader } from './files.js';

// The trust material of foreign evidence: a Sigstore trusted_root.json from a file, or from
// the one JSON layer of an artifact pinned by digest (never a tag: what it trusts must not
// change under a name). The Sigstore code loads only when one is given.

export type { IdentityPolicy, SigstoreTrustedRoot };

const MAX_TRUSTED_ROOT = 1024 * 1024;

/** Where a trusted root is: a file, or a reference (which must be pinned by digest). */
export type TrustedRootSource = { readonly file: string } | { readonly reference: string };

/**
 * Loads a trusted root. Which of file or reference the user meant is the caller's to decide (the
 * CLI applies its one rule for flags that take either, src/cli/file-or-reference.ts), so that a
 * tag is refused as a tag rather than looked for as a file.
 */
export async function loadTrustedRoot(source: TrustedRootSource, access: StoreAccess = {}, read: FileReader = diskReader): Promise<SigstoreTrustedRoot> {
  const { loadSigstoreTrustedRoot } = await import('../sigstore/index.js');
  if ('file' in source) return loadSigstoreTrustedRoot(parseJson(read(source.file, MAX_TRUSTED_ROOT), source.file), `trusted root ${source.file}`);
  const text = source.reference;
  const { ref, store } = await openRef(text, access);
  return withStores([store], async () => {
    if (!ref.digest) throw new CairnError('INVALID_ARGUMENT', 'a trusted root in a registry must be pinned by digest (REF@sha256:...), never by tag', { where: text, details: { reason: 'not-pinned' } });
    const node = await fetchManifestNode(store, await resolveReference(store, ref));
    const layer = node.kind === 'manifest' ? node.manifest.layers.find((l) => /json/.test(l.mediaType)) : undefined;
    if (!layer) throw new CairnError('TRUST_ROOT_INVALID', 'the artifact has no JSON layer holding a trusted_root.json', { where: text });
    const bytes = await fetchVerified(store, layer, MAX_TRUSTED_ROOT, `${text}: layer`);
    return loadSigstoreTrustedRoot(parseJson(bytes, text), `trusted root ${text}`);
  });
}
