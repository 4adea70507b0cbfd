import { createHash, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { initializeCA, initializeCTLog, initializeTLog, initializeTSA } from '@sigstore/mock';

import { DSSEBundleBuilder, RekorWitness, TSAWitness, type Signer, type Witness } from '@sigstore/sign';
import { bundleToJSON } from '@sigstore/bundle';
import { HashAlgorithm } from '@sigstore/protobuf-specs';
import { Entry, type CreateEntryRequest } from '@sigstore/protobuf-specs/rekor/v2';

type TLog = Awaited<ReturnType<typeof initializeTLog>>;
type TSA = Awaited<ReturnType<typeof initializeTSA>>;

// A private Sigstore for tests: a Fulcio-like CA (with a CT log), a Rekor-like transparency log,
// an RFC 3161 timestamp authority, made by the Sigstore project's own mock services
// (@sigstore/mock) and driven in-process by its own bundle builder (@sigstore/sign), and the
// trusted_root.json that lists them. No server and no network: each witness's HTTP client is
// replaced by a direct call into the mock log or TSA.

export const TEST_ISSUER = 'https://token.actions.example.test';
export const TEST_IDENTITY = 'https://github.com/acme/app/.github/workflows/build.yml@refs/heads/main';

/** Which witnesses countersign a bundle: the transparency log (default; Rekor v1, or v2 entries), the TSA. */
export interface Witnesses {
  readonly tlog?: boolean;
  /** Log a Rekor v2 entry (dsse 0.0.2, inclusion proof and checkpoint, no promise) instead of v1. */
  readonly rekorV2?: boolean;
  readonly tsa?: boolean;
}

export interface MockSigstore {
  /** trusted_root.json listing this CA, CT log and transparency log (and the TSA). */
  readonly trustedRoot: Record<string, unknown>;
  /** The same root without its transparency log: a CA (with its CT log) and a TSA. */
  readonly tsaOnlyRoot: Record<string, unknown>;
  /** Signs `payload` as a DSSE envelope, keyless, and returns the bundle JSON (v0.3). */
  sign(payload: Buffer, payloadType: string, identity?: { san?: string; issuer?: string }, witnesses?: Witnesses): Promise<Record<string, unknown>>;
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const ecKey = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const FOREVER = { start: '2000-01-01T00:00:00Z' };

/** Starts a private Sigstore (in memory). */
export async function mockSigstore(): Promise<MockSigstore> {
  const ctKeys = ecKey();
  const ctlog = await initializeCTLog(ctKeys);
  const ca = await initializeCA(ecKey(), ctlog);
  const tlogKeys = ecKey();
  const tlog = await initializeTLog('https://rekor.mock.test', tlogKeys);
  const tlogSpki = tlogKeys.publicKey.export({ format: 'der', type: 'spki' });
  // The TSA's clock stays on whole seconds: asn1js writes a GeneralizedTime's milliseconds
  // without trailing zeros (".5"), which @sigstore/core's parser (three digits or none) refuses.
  const tsaClock = new Date(Math.floor(Date.now() / 1000) * 1000);
  const tsa = await initializeTSA(ecKey(), tsaClock);
  const der = (v: ArrayBufferView) => b64(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [{ baseUrl: 'https://rekor.mock.test', hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: b64(tlogSpki), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: FOREVER }, logId: { keyId: b64(createHash('sha256').update(tlogSpki).digest()) } }],
    certificateAuthorities: [{ subject: { organization: 'mock', commonName: 'mock' }, uri: 'https://fulcio.mock.test', certChain: { certificates: [{ rawBytes: b64(Buffer.from(ca.rootCertificate.buffer, ca.rootCertificate.byteOffset, ca.rootCertificate.byteLength)) }] }, validFor: FOREVER }],
    ctlogs: [{ baseUrl: 'https://ctfe.mock.test', hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: b64(ctlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: FOREVER }, logId: { keyId: b64(Buffer.from(ctlog.logID.buffer, ctlog.logID.byteOffset, ctlog.logID.byteLength)) } }],
    // the signing certificate first, then its root (trusted_root.json lists chains leaf first)
    timestampAuthorities: [{ subject: { organization: 'mock', commonName: 'mock tsa' }, uri: 'https://tsa.mock.test', certChain: { certificates: [{ rawBytes: der(tsa.intCertificate) }, { rawBytes: der(tsa.rootCertificate) }] }, validFor: FOREVER }],
  };
  const tsaOnlyRoot = { ...trustedRoot, tlogs: [] };
  return {
    trustedRoot,
    tsaOnlyRoot,
    async sign(payload, payloadType, identity = {}, witnessed = { tlog: true }) {
      const keys = ecKey();
      const der = await ca.issueCertificate({
        publicKey: keys.publicKey.export({ format: 'der', type: 'spki' }),
        subjectAltName: identity.san ?? TEST_IDENTITY,
        extensions: [{ oid: '1.3.6.1.4.1.57264.1.8', value: identity.issuer ?? TEST_ISSUER }],
      });
      const pem = `-----BEGIN CERTIFICATE-----\n${b64(Buffer.from(der.buffer, der.byteOffset, der.byteLength)).replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
      const signer: Signer = { sign: async (data) => ({ signature: cryptoSign('sha256', data, keys.privateKey), key: { $case: 'x509Certificate', certificate: pem } }) };
      const witnesses: Witness[] = [...(witnessed.tlog || witnessed.rekorV2 ? [logWitness(tlog, witnessed.rekorV2 === true)] : []), ...(witnessed.tsa ? [timestampWitness(tsa, tsaClock)] : [])];
      const builder = new DSSEBundleBuilder({ signer, witnesses });
      const bundle = await builder.create({ data: payload, type: payloadType });
      return bundleToJSON(bundle) as unknown as Record<string, unknown>;
    },
  };
}

/** The log's witness, its HTTP client replaced by calls into the mock log (Rekor v1, or v2 entries). */
function logWitness(tlog: TLog, v2: boolean): Witness {
  const witness = new RekorWitness({ rekorBaseURL: 'https://rekor.mock.test', entryType: v2 ? 'dsse' : 'intoto', majorApiVersion: v2 ? 2 : 1 });
  (witness as unknown as { tlogV1: unknown }).tlogV1 = {
    createEntry: async (entry: object) => {
      const [[uuid, logged]] = Object.entries(await tlog.log(entry)); // Rekor answers {uuid: entry}
      return { ...(logged as object), uuid };
    },
  };
  // Rekor v2 (rekor-tiles) logs an Entry (kind dsse, apiVersion 0.0.2: the payload's hash and
  // each signature with its verifier), not the request; the mock logs whatever it is handed
  // as the body, so it is handed that Entry. Its proof is for a tree of one leaf, whose only
  // index is 0 (the mock puts the entry's random log index there).
  (witness as unknown as { tlogV2: unknown }).tlogV2 = {
    createEntry: async (request: CreateEntryRequest) => {
      if (request.spec?.$case !== 'dsseRequestV002' || !request.spec.dsseRequestV002.envelope) throw new Error('the mock Rekor v2 logs DSSE only');
      const { envelope: env, verifiers } = request.spec.dsseRequestV002;
      const body = Entry.toJSON({
        kind: 'dsse', apiVersion: '0.0.2',
        spec: { spec: { $case: 'dsseV002', dsseV002: { payloadHash: { algorithm: HashAlgorithm.SHA2_256, digest: createHash('sha256').update(env.payload).digest() }, signatures: [{ content: env.signatures[0]!.sig, verifier: verifiers[0] }] } } },
      });
      const entry = await tlog.logV2(body as CreateEntryRequest);
      return { ...entry, inclusionProof: entry.inclusionProof ? { ...entry.inclusionProof, logIndex: '0' } : undefined };
    },
  };
  return witness;
}

/** The TSA's witness, its HTTP client replaced by calls into the mock TSA. */
function timestampWitness(tsa: TSA, tsaClock: Date): Witness {
  // RFC 3161: the TSA stamps the SHA-256 of the signature (sigstore-js TSAClient.createTimestamp).
  const stamper = new TSAWitness({ tsaBaseURL: 'https://tsa.mock.test' });
  (stamper as unknown as { tsa: unknown }).tsa = {
    createTimestamp: async (signature: Buffer) => {
      tsaClock.setTime(Math.floor(Date.now() / 1000) * 1000);
      const t = await tsa.timestamp({ artifactHash: createHash('sha256').update(signature).digest(), hashAlgorithmOID: '2.16.840.1.101.3.4.2.1', nonce: 1234567890, policyOID: '1.3.6.1.4.1.57264.2', certReq: false });
      return Buffer.from(t.buffer, t.byteOffset, t.byteLength);
    },
  };
  return stamper;
}
