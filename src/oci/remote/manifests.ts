import { CairnError } from '../../errors.js';
import { digestOf, isDigest } from '../../digest/index.js';
import { parseJson } from '../../encoding/index.js';
import type { Descriptor } from '../../schema/index.js';
import { MAX_MANIFEST_BYTES } from '../store.js';
import { MANIFEST_ACCEPT } from '../mediatypes.js';
import { discardBody, headerText, type RegistryClient } from './client.js';
import type { RegistryError } from './errors.js';

// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests
// Manifests are read whole (at most 4 MiB, refused early when Content-Length says more; a read
// that breaks off is retried), their
// digest computed over the exact bytes; Docker-Content-Digest is only a cross-check. The Accept
// header lists every manifest type (registry 2.8.2 hides an OCI index otherwise).

/** A manifest as read: exact bytes and the descriptor computed from them. */
export interface FetchedManifest {
  desc: Descriptor;
  bytes: Buffer;
}

/** GETs a manifest by tag or digest. */
export async function getManifest(client: RegistryClient, repo: string, reference: string): Promise<FetchedManifest> {
  const where = `${client.host}/${repo}${isDigest(reference) ? '@' : ':'}${reference}`;
  const { res, bytes } = await client.sendAndRead({ method: 'GET', path: `/v2/${repo}/manifests/${reference}`, headers: { accept: MANIFEST_ACCEPT }, scopes: [`repository:${repo}:pull`], ok: [200] }, MAX_MANIFEST_BYTES, where);
  const digest = digestOf(bytes);
  if (isDigest(reference) && digest !== reference) throw new CairnError('DIGEST_MISMATCH', `registry sent content with digest ${digest}`, { where });
  const announced = headerText(res.headers['docker-content-digest']);
  if (announced && announced.startsWith('sha256:') && announced !== digest) {
    throw new CairnError('DIGEST_MISMATCH', `registry says ${announced} but the bytes are ${digest}`, { where });
  }
  const contentType = headerText(res.headers['content-type'])?.split(';')[0]?.trim();
  const declared = (parseJson(bytes, where) as { mediaType?: unknown } | null)?.mediaType;
  const mediaType = typeof declared === 'string' ? declared : contentType;
  if (!mediaType) throw new CairnError('SCHEMA_INVALID', 'manifest without a media type', { where });
  return { desc: { mediaType, digest, size: bytes.length }, bytes };
}

/** HEADs a manifest. */
export async function manifestExists(client: RegistryClient, repo: string, reference: string): Promise<boolean> {
  const res = await client.send({ method: 'HEAD', path: `/v2/${repo}/manifests/${reference}`, headers: { accept: MANIFEST_ACCEPT }, scopes: [`repository:${repo}:pull`], ok: [200, 404] });
  discardBody(res.body);
  return res.status === 200;
}

// distribution 2.8's filesystem driver rewrites a repository's blob link in place (truncate,
// then write) each time any client commits that blob again. A manifest PUT that checks the blob
// in that window reads an empty link: the answer is 400 with DIGEST_INVALID (the empty link does
// not parse as a digest) beside MANIFEST_BLOB_UNKNOWN, for a blob that is there. That pair is
// sent again, with the client's backoff; MANIFEST_BLOB_UNKNOWN alone (a blob really missing) is not.
// https://github.com/distribution/distribution/blob/v2.8.2/registry/storage/driver/filesystem/driver.go (Writer)
// https://github.com/distribution/distribution/blob/v2.8.2/registry/handlers/manifests.go (PutManifest's error mapping)
function blobLinkMidWrite(err: RegistryError): boolean {
  return err.status === 400 && err.registryCodes.includes('MANIFEST_BLOB_UNKNOWN') && err.registryCodes.includes('DIGEST_INVALID');
}

/** PUTs a manifest under a digest or a tag; returns the OCI-Subject header if the registry sent one. */
export async function putManifest(client: RegistryClient, repo: string, reference: string, mediaType: string, bytes: Buffer): Promise<string | undefined> {
  const res = await client.send({
    method: 'PUT',
    path: `/v2/${repo}/manifests/${reference}`,
    headers: { 'content-type': mediaType, 'content-length': String(bytes.length) },
    body: bytes,
    scopes: [`repository:${repo}:pull,push`],
    ok: [201, 200],
    retryOn: blobLinkMidWrite,
  });
  discardBody(res.body);
  const echoed = headerText(res.headers['docker-content-digest']);
  const digest = digestOf(bytes);
  if (echoed && echoed.startsWith('sha256:') && echoed !== digest) {
    throw new CairnError('DIGEST_MISMATCH', `registry stored the manifest as ${echoed}, expected ${digest}`, { where: `${client.host}/${repo}` });
  }
  return headerText(res.headers['oci-subject']);
}
