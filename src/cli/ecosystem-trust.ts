import type { Argv } from 'yargs';
import { CairnError } from '../errors.js';
import { asList, loadPublicKeyFile } from './context.js';
import type { PublicKey } from '../api/keys.js';
import type { IdentityPolicy, TrustedRootSource } from '../api/trust-material.js';
import { fileOrReference } from './file-or-reference.js';

// The trust material of foreign evidence on the command line: `--key PUB` (cosign keys, any
// form Cairn reads), `--trusted-root FILE|REF@sha256:…` (a Sigstore trusted_root.json; a
// registry copy must be pinned by digest; loaded by the facade: src/api/trust-material.ts), and
// `--certificate-identity[-regexp]` with `--certificate-oidc-issuer`, as cosign names them.

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

/** --trusted-root as a file or a reference, by the one rule for such flags (file-or-reference.ts). */
export async function trustedRootFrom(argv: Record<string, unknown>): Promise<{ trustedRoot?: TrustedRootSource }> {
  if (argv['trusted-root'] === undefined) return {};
  const t = await fileOrReference(String(argv['trusted-root']), '--trusted-root');
  return { trustedRoot: t.kind === 'file' ? { file: t.path } : { reference: t.text } };
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
