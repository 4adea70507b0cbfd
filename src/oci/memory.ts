import type { Readable } from 'node:stream';
import { CairnError } from '../errors.js';
import { isDigest, readVerified, verifyContent, type Digest } from '../digest/index.js';
import type { Descriptor } from '../schema/index.js';
import { bytesStream, type ReferrerLister, type Store, type TagLister } from './store.js';
import { isManifestType } from './mediatypes.js';
import { parseManifestNode, referrerDescriptor, subjectOf } from './manifest.js';

// An in-memory store, for unit tests and as a scratch target. With `referrers: false` it has no
// referrer listing of its own, so the tag-schema fallback can be exercised without a registry.

export interface MemoryStoreOptions {
  /** Whether the store lists referrers itself (like an OCI layout or a registry with the API). */
  referrers?: boolean;
  location?: string;
}

/** A Store held in memory. */
export class MemoryStore implements Store, ReferrerLister, TagLister {
  readonly location: string;
  private readonly blobs = new Map<string, { desc: Descriptor; bytes: Buffer }>();
  private readonly tagMap = new Map<string, Descriptor>();
  private readonly native: boolean;

  constructor(options: MemoryStoreOptions = {}) {
    this.native = options.referrers ?? true;
    this.location = options.location ?? 'memory';
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    const entry = this.blobs.get(desc.digest);
    if (!entry) throw new CairnError('NOT_FOUND', `${desc.digest} not found`, { where: this.location });
    return bytesStream(entry.bytes);
  }

  async exists(desc: Descriptor): Promise<boolean> {
    return this.blobs.has(desc.digest);
  }

  async resolve(reference: string): Promise<Descriptor> {
    const found = isDigest(reference) ? this.blobs.get(reference)?.desc : this.tagMap.get(reference);
    if (!found) throw new CairnError('NOT_FOUND', `${reference} not found`, { where: this.location });
    return { mediaType: found.mediaType, digest: found.digest, size: found.size };
  }

  async push(desc: Descriptor, content: Readable | Uint8Array): Promise<void> {
    const expected = { digest: desc.digest as Digest, size: desc.size, where: this.location };
    let bytes: Buffer;
    if (content instanceof Uint8Array) {
      verifyContent(content, expected);
      bytes = Buffer.from(content);
    } else {
      bytes = await readVerified(content, expected);
    }
    if (!this.blobs.has(desc.digest)) this.blobs.set(desc.digest, { desc: { mediaType: desc.mediaType, digest: desc.digest, size: desc.size }, bytes });
  }

  async tag(desc: Descriptor, tag: string): Promise<void> {
    if (!this.blobs.has(desc.digest)) throw new CairnError('NOT_FOUND', `cannot tag ${desc.digest}: not in the store`, { where: this.location });
    this.tagMap.set(tag, { mediaType: desc.mediaType, digest: desc.digest, size: desc.size });
  }

  async tags(): Promise<string[]> {
    return [...this.tagMap.keys()];
  }

  async referrers(subject: Descriptor, artifactType?: string): Promise<Descriptor[] | null> {
    if (!this.native) return null;
    const out: Descriptor[] = [];
    for (const { desc, bytes } of this.blobs.values()) {
      if (!isManifestType(desc.mediaType)) continue;
      const node = parseManifestNode(desc, bytes);
      if (subjectOf(node)?.digest !== subject.digest) continue;
      const entry = referrerDescriptor(node);
      if (!artifactType || entry.artifactType === artifactType) out.push(entry);
    }
    return out;
  }

  /** Test hook: replaces stored bytes without checking them (to simulate a lying backend). */
  corrupt(digest: string, bytes: Uint8Array): void {
    const entry = this.blobs.get(digest);
    if (entry) entry.bytes = Buffer.from(bytes);
  }

  /** Removes content (tests of dangling references). */
  delete(digest: string): void {
    this.blobs.delete(digest);
    for (const [t, d] of this.tagMap) if (d.digest === digest) this.tagMap.delete(t);
  }
}
