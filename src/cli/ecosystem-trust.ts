import type { Argv } from 'yargs';
import { CairnError, isCairnError } from '../errors.js';
import { asList, loadPublicKeyFile, type CliContext } from './context.js';
import { openReference, withStores } from './registry.js';
import type { PublicKey } from '../crypto/index.js';
import type { IdentityPolicy, SigstoreTrustedRoot } from '../sigstore/index.js';

// The trust material of foreign evidence on the command line: `--key PUB` (cosign keys, any
// form Cairn reads), `--trusted-root FILE|REF@sha256:…` (a Sigstore trusted_root.json; a
// registry copy must be pinned by digest), and `--certificate-identity[-regexp]` with
// `--certificate-oidc-issuer`, as cosign names them.

const MAX_TRUSTED_ROOT = 1024 * 1024;

/** Adds --key and --trusted-root. */
export function trustMaterialOptions(y: Argv): Argv {
  return y
    .option('key', { type: 'string', array: true, describe: 'a public key that may have signed (cosign.pub, PEM, securesystemslib JSON); repeatable' })
    .option('trusted-root', { type: 'string', describe: 'Sigstore trusted_root.json for keyless bundles: FILE, or REF@sha256:... (verified offline)' });
}

/** Adds the certificate identity options. */
export function identityOptions(y: Argv): Argv {
  return y
    .option('certificate-identity', { type: 'string', describe: 'the signing certificate\'s SAN, exactly' })
    .option('certificate-identity-regexp', { type: 'string', describe: 'a regular expression the whole SAN must match' })
    .option('certificate-oidc-issuer', { type: 'string', describe: 'the OIDC issuer in the certificate, exactly' });
}

/** The keys given with --key. */
export async function keysFrom(argv: Record<string, unknown>): Promise<PublicKey[]> {
  return Promise.all(asList(argv['key']).map(loadPublicKeyFile));
}

/** The identity policy given, or undefined; INVALID_ARGUMENT when half of one is given. */
export function identityFrom(argv: Record<string, unknown>): IdentityPolicy | undefined {
  const san = argv['certificate-identity'] as string | undefined;
  const re = argv['certificate-identity-regexp'] as string | undefined;
  const issuer = argv['certificate-oidc-issuer'] as string | undefined;
  if (san === undefined && re === undefined && issuer === undefined) return undefined;
  if (issuer === undefined || (san === undefined && re === undefined)) {
    throw new CairnError('INVALID_ARGUMENT', 'a certificate identity needs --certificate-oidc-issuer and --certificate-identity (or --certificate-identity-regexp)');
  }
  if (re !== undefined) {
    try {
      new RegExp(re, 'u');
    } catch (err) {
      throw new CairnError('INVALID_ARGUMENT', `--certificate-identity-regexp: ${(err as Error).message}`);
    }
  }
  return { issuer, ...(san !== undefined ? { subjectAlternativeName: san } : {}), ...(re !== undefined ? { subjectAlternativeNameRegexp: re } : {}) };
}

/** Loads --trusted-root: a file, or the one JSON layer of an artifact pinned by digest. */
export async function trustedRootFrom(argv: Record<string, unknown>, ctx: CliContext): Promise<SigstoreTrustedRoot | undefined> {
  const text = argv['trusted-root'] as string | undefined;
  if (text === undefined) return undefined;
  const { loadSigstoreTrustedRoot } = await import('../sigstore/index.js');
  const { parseJson } = await import('../encoding/index.js');
  const looksLikeRef = /@sha256:[0-9a-f]{64}$/.test(text) || text.startsWith('oci:');
  if (!looksLikeRef) {
    const { readInputFile } = await import('../disk/index.js');
    let bytes;
    try {
      bytes = readInputFile(text, MAX_TRUSTED_ROOT);
    } catch (err) {
      // host/repo:tag is not a file: say why a tag is not taken rather than "no such file"
      if (isCairnError(err, 'FILE_NOT_FOUND') && /^[^/\s]+[.:][^/\s]*\/[^\s]+$/.test(text)) {
        throw new CairnError('INVALID_ARGUMENT', `--trusted-root ${text}: no such file; a trusted root in a registry must be pinned by digest (REF@sha256:...), never by tag`);
      }
      throw err;
    }
    return loadSigstoreTrustedRoot(parseJson(bytes, text), `trusted root ${text}`);
  }
  const { resolveReference, fetchManifestNode, fetchVerified } = await import('../oci/index.js');
  const { ref, store } = await openReference(text, argv, ctx);
  if (!ref.digest) throw new CairnError('INVALID_ARGUMENT', `--trusted-root ${text}: a trusted root in a registry must be pinned by digest (REF@sha256:...), never by tag`);
  return withStores([store], async () => {
    const node = await fetchManifestNode(store, await resolveReference(store, ref));
    const layer = node.kind === 'manifest' ? node.manifest.layers.find((l) => /json/.test(l.mediaType)) : undefined;
    if (!layer) throw new CairnError('TRUST_ROOT_INVALID', 'the artifact has no JSON layer holding a trusted_root.json', { where: text });
    const bytes = await fetchVerified(store, layer, MAX_TRUSTED_ROOT, `${text}: layer`);
    return loadSigstoreTrustedRoot(parseJson(bytes, text), `trusted root ${text}`);
  });
}
