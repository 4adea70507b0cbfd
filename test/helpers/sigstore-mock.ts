import { createHash, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { initializeCA, initializeCTLog, initializeTLog } from '@sigstore/mock';
import { DSSEBundleBuilder, RekorWitness, type Signer } from '@sigstore/sign';
import { bundleToJSON } from '@sigstore/bundle';

// A private Sigstore for tests: a Fulcio-like CA (with a CT log), a Rekor-like transparency log,
// made by the Sigstore project's own mock services (@sigstore/mock) and driven in-process by its
// own bundle builder (@sigstore/sign), and the trusted_root.json that lists them. No server and no
// network: the witness's HTTP client is replaced by a direct call into the mock log.

export const TEST_ISSUER = 'https://token.actions.example.test';
export const TEST_IDENTITY = 'https://github.com/acme/app/.github/workflows/build.yml@refs/heads/main';

export interface MockSigstore {
  /** trusted_root.json listing this CA, CT log and transparency log. */
  readonly trustedRoot: Record<string, unknown>;
  /** Signs `payload` as a DSSE envelope, keyless, and returns the bundle JSON (v0.3). */
  sign(payload: Buffer, payloadType: string, identity?: { san?: string; issuer?: string }): Promise<Record<string, unknown>>;
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
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [{ baseUrl: 'https://rekor.mock.test', hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: b64(tlogSpki), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: FOREVER }, logId: { keyId: b64(createHash('sha256').update(tlogSpki).digest()) } }],
    certificateAuthorities: [{ subject: { organization: 'mock', commonName: 'mock' }, uri: 'https://fulcio.mock.test', certChain: { certificates: [{ rawBytes: b64(Buffer.from(ca.rootCertificate.buffer, ca.rootCertificate.byteOffset, ca.rootCertificate.byteLength)) }] }, validFor: FOREVER }],
    ctlogs: [{ baseUrl: 'https://ctfe.mock.test', hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: b64(ctlog.publicKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: FOREVER }, logId: { keyId: b64(Buffer.from(ctlog.logID.buffer, ctlog.logID.byteOffset, ctlog.logID.byteLength)) } }],
    timestampAuthorities: [],
  };
  return {
    trustedRoot,
    async sign(payload, payloadType, identity = {}) {
      const keys = ecKey();
      const der = await ca.issueCertificate({
        publicKey: keys.publicKey.export({ format: 'der', type: 'spki' }),
        subjectAltName: identity.san ?? TEST_IDENTITY,
        extensions: [{ oid: '1.3.6.1.4.1.57264.1.8', value: identity.issuer ?? TEST_ISSUER }],
      });
      const pem = `-----BEGIN CERTIFICATE-----\n${b64(Buffer.from(der.buffer, der.byteOffset, der.byteLength)).replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
      const signer: Signer = { sign: async (data) => ({ signature: cryptoSign('sha256', data, keys.privateKey), key: { $case: 'x509Certificate', certificate: pem } }) };
      const witness = new RekorWitness({ rekorBaseURL: 'https://rekor.mock.test', entryType: 'intoto' });
      (witness as unknown as { tlogV1: unknown }).tlogV1 = {
        createEntry: async (entry: object) => {
          const [[uuid, logged]] = Object.entries(await tlog.log(entry)); // Rekor answers {uuid: entry}
          return { ...(logged as object), uuid };
        },
      };
      const builder = new DSSEBundleBuilder({ signer, witnesses: [witness] });
      const bundle = await builder.create({ data: payload, type: payloadType });
      return bundleToJSON(bundle) as unknown as Record<string, unknown>;
    },
  };
}
