import { CairnError, isCairnError } from '../errors.js';
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

/** Loads a trusted root: `text` is a file, or `REF@sha256:...` / `oci:DIR@sha256:...`. */
export async function loadTrustedRoot(text: string, access: StoreAccess = {}, read: FileReader = diskReader): Promise<SigstoreTrustedRoot> {
  const { loadSigstoreTrustedRoot } = await import('../sigstore/index.js');
  const looksLikeRef = /@sha256:[0-9a-f]{64}$/.test(text) || text.startsWith('oci:');
  if (!looksLikeRef) {
    let bytes;
    try {
      bytes = read(text, MAX_TRUSTED_ROOT);
    } catch (err) {
      // host/repo:tag is no file: say why a tag is not taken, rather than "no such file"
      if (isCairnError(err, 'FILE_NOT_FOUND') && /^[^/\s]+[.:][^/\s]*\/[^\s]+$/.test(text)) {
        throw new CairnError('INVALID_ARGUMENT', 'no such file; a trusted root in a registry must be pinned by digest (REF@sha256:...), never by tag', { where: text, details: { reason: 'not-pinned' } });
      }
      throw err;
    }
    return loadSigstoreTrustedRoot(parseJson(bytes, text), `trusted root ${text}`);
  }
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
