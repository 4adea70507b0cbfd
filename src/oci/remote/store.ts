import { Readable } from 'node:stream';
import { CairnError } from '../../errors.js';
import { isDigest, readVerified, verifyContent, type Digest } from '../../digest/index.js';
import type { Descriptor } from '../../schema/index.js';
import { MAX_MANIFEST_BYTES, type BlobMounter, type PushOptions, type ReadOnlyStore, type ReferrerFilter, type ReferrerLister, type Store, type TaggedPusher, type TagLister, type UploadPreparer } from '../store.js';
import { isManifestType } from '../mediatypes.js';
import { discardBody, type RegistryClient } from './client.js';
import { blobExists, fetchBlob, mountBlob, startUpload, uploadBlob } from './blobs.js';
import { getManifest, manifestExists, putManifest } from './manifests.js';
import { fetchReferrers, probeReferrersApi } from './referrers-api.js';
import { listTags } from './tags.js';

// One repository of a registry as a Store. Manifests recently read or written are kept (up to
// 32 MiB) so that tagging one needs a single PUT. Whether the registry has the referrers API
// is probed once per store. Small blobs held in memory are uploaded without asking first
// whether the registry has them (two requests either way; callers that expect the blob to be
// there, like copy, ask with exists()).

const CACHE_BYTES = 32 * 1024 * 1024;
/** In-memory blobs up to this size are uploaded without a HEAD first. */
export const BLIND_UPLOAD_BYTES = 64 * 1024;

/** A repository in an OCI distribution registry. */
export class RegistryStore implements Store, ReferrerLister, TagLister, BlobMounter, TaggedPusher, UploadPreparer {
  readonly location: string;
  private readonly cache = new Map<string, Buffer>();
  private cached = 0;
  private api: Promise<boolean> | undefined;
  private spare: Promise<string | undefined> | undefined;

  /** `ownsClient` false: the client is shared (a server's pool) and close() leaves it open. */
  constructor(readonly client: RegistryClient, readonly repository: string, readonly registry: string = client.host, private readonly ownsClient = true) {
    this.location = `${registry}/${repository}`;
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    if (!isManifestType(desc.mediaType)) return fetchBlob(this.client, this.repository, desc);
    const hit = this.cache.get(desc.digest);
    if (hit) return Readable.from([hit]);
    if (desc.size > MAX_MANIFEST_BYTES) throw new CairnError('TOO_LARGE', `manifest of ${desc.size} bytes is larger than the limit of ${MAX_MANIFEST_BYTES}`, { where: `${this.location}@${desc.digest}` });
    const { bytes } = await getManifest(this.client, this.repository, desc.digest);
    this.remember(desc.digest, bytes);
    return Readable.from([bytes]);
  }

  async exists(desc: Descriptor): Promise<boolean> {
    if (this.cache.has(desc.digest)) return true;
    if (isManifestType(desc.mediaType)) return manifestExists(this.client, this.repository, desc.digest);
    return blobExists(this.client, this.repository, desc.digest);
  }

  async resolve(reference: string): Promise<Descriptor> {
    const { desc, bytes } = await getManifest(this.client, this.repository, reference);
    this.remember(desc.digest, bytes);
    return desc;
  }

  async push(desc: Descriptor, content: Readable | Uint8Array, options: PushOptions = {}): Promise<void> {
    const expected = { digest: desc.digest as Digest, size: desc.size, where: this.location };
    if (isManifestType(desc.mediaType)) {
      const bytes = content instanceof Uint8Array ? Buffer.from(content) : await readVerified(content, { ...expected, maxBytes: MAX_MANIFEST_BYTES });
      verifyContent(bytes, { ...expected, maxBytes: MAX_MANIFEST_BYTES });
      await putManifest(this.client, this.repository, desc.digest, desc.mediaType, bytes);
      this.remember(desc.digest, bytes);
      return;
    }
    const small = content instanceof Uint8Array && content.length <= BLIND_UPLOAD_BYTES;
    if (!small && !options.absent && (await blobExists(this.client, this.repository, desc.digest))) {
      if (!(content instanceof Uint8Array)) content.destroy();
      return;
    }
    if (content instanceof Uint8Array) verifyContent(content, expected);
    const location = this.spare && (await this.takeSpare());
    await uploadBlob(this.client, this.repository, desc, content instanceof Uint8Array ? Buffer.from(content) : content, location ? { location } : {});
  }

  // An upload session opened ahead (attest opens one while the subject resolves, so that the
  // layer goes up in one PUT once signed: a round trip less). A failed POST is not an error
  // here: the push opens its own session.
  prepareUpload(): void {
    this.spare ??= startUpload(this.client, this.repository).catch(() => undefined);
  }

  private async takeSpare(): Promise<string | undefined> {
    const spare = this.spare;
    this.spare = undefined;
    return spare;
  }

  async tag(desc: Descriptor, tag: string): Promise<void> {
    let bytes = this.cache.get(desc.digest);
    if (!bytes) {
      bytes = (await getManifest(this.client, this.repository, desc.digest)).bytes;
      this.remember(desc.digest, bytes);
    }
    await putManifest(this.client, this.repository, tag, desc.mediaType, bytes);
  }

  // A PUT by tag stores the manifest as a PUT by digest would (and the registry checks it the
  // same way), so with tags the PUT by digest is left out. Several tags: the first alone, then
  // the others at once (distribution writes a new manifest's blob without a lock).
  async pushTagged(desc: Descriptor, bytes: Uint8Array, tags: string[]): Promise<void> {
    if (!isManifestType(desc.mediaType)) throw new CairnError('INVALID_ARGUMENT', `${desc.mediaType} is not a manifest and cannot be tagged`, { where: this.location });
    if (tags.length === 0) return this.push(desc, bytes);
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    verifyContent(buf, { digest: desc.digest as Digest, size: desc.size, maxBytes: MAX_MANIFEST_BYTES, where: this.location });
    await putManifest(this.client, this.repository, tags[0] as string, desc.mediaType, buf);
    this.remember(desc.digest, Buffer.from(buf));
    await Promise.all(tags.slice(1).map((t) => putManifest(this.client, this.repository, t, desc.mediaType, buf)));
  }

  async tags(): Promise<string[]> {
    return listTags(this.client, this.repository);
  }

  async listsReferrers(): Promise<boolean> {
    this.api ??= probeReferrersApi(this.client, this.repository);
    return this.api;
  }

  async referrers(subject: Descriptor, artifactType?: string, filter?: ReferrerFilter): Promise<Descriptor[] | null> {
    if (!(await this.listsReferrers())) return null;
    return fetchReferrers(this.client, this.repository, subject.digest, artifactType, filter);
  }

  async mount(desc: Descriptor, source: ReadOnlyStore): Promise<boolean> {
    if (!(source instanceof RegistryStore) || source.client.base !== this.client.base || source.repository === this.repository) return false;
    if (isManifestType(desc.mediaType)) return false;
    return mountBlob(this.client, this.repository, desc.digest, source.repository);
  }

  /** Closes the client's connections (unless the client is shared). */
  async close(): Promise<void> {
    // a session opened ahead and never used is deleted, not left for the registry to expire
    const unused = this.spare && (await this.takeSpare());
    if (unused) await this.client.send({ method: 'DELETE', path: unused, scopes: [`repository:${this.repository}:pull,push`], ok: [204, 202, 404] }).then((r) => discardBody(r.body), () => undefined);
    if (this.ownsClient) await this.client.close();
  }

  private remember(digest: string, bytes: Buffer): void {
    if (!isDigest(digest) || this.cache.has(digest)) return;
    this.cache.set(digest, bytes);
    this.cached += bytes.length;
    for (const [k, v] of this.cache) {
      if (this.cached <= CACHE_BYTES) break;
      this.cache.delete(k);
      this.cached -= v.length;
    }
  }
}
