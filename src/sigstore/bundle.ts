import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { CairnError } from '../errors.js';
import type { Envelope } from '../schema/index.js';

// Sigstore bundles (v0.1 to v0.3), read with the Sigstore project's own parser. Spec:
// https://github.com/sigstore/protobuf-specs/blob/main/protos/sigstore_bundle.proto. What is
// read here is unverified: verifyBundle (verify.ts) is what may make it count.

/** A certificate's Fulcio identity: its SAN and the OIDC issuer extension. */
export interface CertificateIdentity {
  readonly subjectAlternativeName?: string;
  readonly issuer?: string;
}

/** What a bundle says about itself, before any verification. */
export interface BundleFacts {
  readonly mediaType: string;
  readonly content: 'dsse-envelope' | 'message-signature';
  /** The DSSE envelope, in the JSON shape Cairn reads everywhere (payload base64). */
  readonly envelope?: Envelope;
  /** The signing certificate's identity (keyless), unverified. */
  readonly certificate?: CertificateIdentity;
  /** The key hint (key-based bundles). */
  readonly publicKeyHint?: string;
  /** The parsed bundle, for verifyBundle. */
  readonly bundle: Bundle;
}

const OID_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
const OID_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';

/** The SAN and OIDC issuer of a DER certificate (as @sigstore/verify reads them). */
export function certificateIdentity(der: Uint8Array): CertificateIdentity {
  const cert = X509Certificate.parse(Buffer.from(der));
  const v2 = cert.extension(OID_ISSUER_V2);
  const issuer = v2 ? v2.valueObj.subs?.[0]?.value.toString('utf8') : cert.extension(OID_ISSUER_V1)?.value.toString('utf8');
  return { ...(cert.subjectAltName ? { subjectAlternativeName: cert.subjectAltName } : {}), ...(issuer ? { issuer } : {}) };
}

/** Parses a bundle (JSON already parsed); SCHEMA_INVALID when it is not one. */
export function readSigstoreBundle(json: unknown, where?: string): BundleFacts {
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (err) {
    throw new CairnError('SCHEMA_INVALID', `not a Sigstore bundle: ${(err as Error).message}`, { where, cause: err });
  }
  const vm = bundle.verificationMaterial.content;
  const der = vm.$case === 'certificate' ? vm.certificate.rawBytes : vm.$case === 'x509CertificateChain' ? vm.x509CertificateChain.certificates[0]?.rawBytes : undefined;
  let certificate: CertificateIdentity | undefined;
  if (der) {
    try {
      certificate = certificateIdentity(der);
    } catch (err) {
      throw new CairnError('SCHEMA_INVALID', `the bundle's certificate cannot be read: ${(err as Error).message}`, { where, cause: err });
    }
  }
  const c = bundle.content;
  const envelope: Envelope | undefined = c.$case === 'dsseEnvelope'
    ? {
        payloadType: c.dsseEnvelope.payloadType,
        payload: c.dsseEnvelope.payload.toString('base64'),
        signatures: c.dsseEnvelope.signatures.map((s) => ({ keyid: s.keyid, sig: s.sig.toString('base64') })),
      }
    : undefined;
  return {
    mediaType: bundle.mediaType,
    content: c.$case === 'dsseEnvelope' ? 'dsse-envelope' : 'message-signature',
    ...(envelope ? { envelope } : {}),
    ...(certificate ? { certificate } : {}),
    ...(vm.$case === 'publicKey' ? { publicKeyHint: vm.publicKey.hint } : {}),
    bundle,
  };
}
