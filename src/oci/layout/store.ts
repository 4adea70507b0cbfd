import { closeSync, createWriteStream, existsSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { lstatSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { CairnError, fsError, isCairnError } from '../../errors.js';
import { isDigest, parseDigest, readVerified, verifyContent, VerifyingStream, type Digest } from '../../digest/index.js';
import { parseJson } from '../../encoding/index.js';
import { writeFileAtomic } from '../../disk/index.js';
import type { Descriptor } from '../../schema/index.js';
import { bytesStream, MAX_MANIFEST_BYTES, type PushOptions, type ReferrerLister, type ReferrerRecorder, type Store, type TagLister } from '../store.js';
import { isManifestType } from '../mediatypes.js';
import { parseManifestNode, referrerDescriptor, subjectOf } from '../manifest.js';
import { emptyIndex, readIndexFile, updateIndexFile, writeIndexFile } from './index-file.js';
import { sweepStaleTemp } from './sweep.js';
import { isRegularFile, openBlob, readRegular } from './regular-file.js';

// Spec: https://github.com/opencontainers/image-spec/blob/main/image-layout.md
// An OCI image-layout directory as a Store: blobs under blobs/sha256/<hex>, written to
// ingest/ first and renamed into place only once size and digest are right. Tags are index.json
// entries named by `org.opencontainers.image.ref.name`; referrer manifests (those with a
// `subject`) are recorded in index.json untagged, as oras does, and found by their subject.
// Durability: a blob is flushed before it is renamed into place (a blob under its digest's
// name is whole, even after a crash), and an index.json entry is written only once what it
// names is there, so index.json never names content a crash could take back.

/** The annotation that names a tag in index.json. */
export const REF_NAME = 'org.opencontainers.image.ref.name';

/** An OCI image layout on disk. */
export class OciLayoutStore implements Store, ReferrerLister, ReferrerRecorder, TagLister {
  readonly location: string;
  private readonly subjects = new Map<string, { subject: string; entry: Descriptor } | null>();
  private swept = false;

  private constructor(readonly dir: string) {
    this.location = `oci:${dir}`;
  }

  /** Opens a layout; with `create`, makes a new one when the directory has none. */
  static open(dir: string, options: { create?: boolean } = {}): OciLayoutStore {
    const marker = join(dir, 'oci-layout');
    if (!existsSync(marker)) {
      if (!options.create) throw new CairnError('NOT_FOUND', 'not an OCI image layout (no oci-layout file)', { where: dir });
      try {
        mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
      } catch (err) {
        throw fsError(err, dir, 'cannot create');
      }
      if (!existsSync(join(dir, 'index.json'))) writeIndexFile(dir, emptyIndex());
      writeFileAtomic(marker, '{"imageLayoutVersion":"1.0.0"}\n');
    } else {
      const text = readRegular(marker, 64 * 1024).toString('utf8');
      const version = (parseJson(text, marker) as { imageLayoutVersion?: unknown } | null)?.imageLayoutVersion;
      if (version !== '1.0.0') throw new CairnError('UNSUPPORTED', `imageLayoutVersion ${JSON.stringify(version)} (expected "1.0.0")`, { where: marker });
    }
    return new OciLayoutStore(dir);
  }

  private blobPath(digest: string): string {
    return join(this.dir, 'blobs', 'sha256', parseDigest(digest, this.location).slice('sha256:'.length));
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    const path = this.blobPath(desc.digest);
    if (!existsSync(path)) throw new CairnError('NOT_FOUND', `${desc.digest} not found`, { where: this.location });
    return openBlob(path, desc.size, `${this.location}@${desc.digest}`);
  }

  async exists(desc: Descriptor): Promise<boolean> {
    return isRegularFile(this.blobPath(desc.digest));
  }

  async resolve(reference: string): Promise<Descriptor> {
    const entries = readIndexFile(this.dir).manifests;
    if (isDigest(reference)) {
      const listed = entries.find((d) => d.digest === reference);
      if (listed) return { mediaType: listed.mediaType, digest: listed.digest, size: listed.size };
      const path = this.blobPath(reference);
      if (!existsSync(path) && !isSymlink(path)) throw new CairnError('NOT_FOUND', `${reference} not found`, { where: this.location });
      const bytes = readRegular(path, MAX_MANIFEST_BYTES, `${this.location}@${reference}`);
      const size = bytes.length;
      verifyContent(bytes, { digest: reference, where: this.location });
      const mediaType = (parseJson(bytes, reference) as { mediaType?: unknown } | null)?.mediaType;
      if (typeof mediaType !== 'string') throw new CairnError('SCHEMA_INVALID', `${reference} has no mediaType; cannot tell what it is`, { where: this.location });
      return { mediaType, digest: reference, size };
    }
    const tagged = entries.filter((d) => d.annotations?.[REF_NAME] === reference);
    const found = tagged[tagged.length - 1];
    if (!found) throw new CairnError('NOT_FOUND', `tag ${reference} not found`, { where: this.location });
    return { mediaType: found.mediaType, digest: found.digest, size: found.size };
  }

  // Before the first write: remove temp files that killed writers left (see sweep.ts).
  private sweepOnce(): void {
    if (this.swept) return;
    this.swept = true;
    sweepStaleTemp(this.dir);
  }

  /** Stores content; a referrer manifest is listed in index.json unless `unlisted` (then recordReferrers lists it). */
  async push(desc: Descriptor, content: Readable | Uint8Array, options: PushOptions = {}): Promise<void> {
    this.sweepOnce();
    const target = this.blobPath(desc.digest);
    const expected = { digest: desc.digest as Digest, size: desc.size, where: this.location };
    let manifestBytes: Buffer | undefined;
    if (existsSync(target)) {
      if (!(content instanceof Uint8Array)) content.destroy();
      return;
    }
    if (isManifestType(desc.mediaType)) {
      manifestBytes = content instanceof Uint8Array ? Buffer.from(content) : await readVerified(content, { ...expected, maxBytes: MAX_MANIFEST_BYTES });
      verifyContent(manifestBytes, { ...expected, maxBytes: MAX_MANIFEST_BYTES });
      content = manifestBytes;
    }
    await this.ingest(target, content, expected);
    if (manifestBytes && !options.unlisted) {
      const node = parseManifestNode(desc, manifestBytes, `${this.location}@${desc.digest}`);
      if (subjectOf(node)) {
        const entry = referrerDescriptor(node);
        await updateIndexFile(this.dir, (index) => {
          if (index.manifests.some((d) => d.digest === desc.digest)) return false;
          index.manifests.push(entry);
          return true;
        });
      }
    }
  }

  /**
   * Lists referrer manifests of `subject` that are stored already (pushed `unlisted`) in one
   * index.json update: copy's 20 referrers of an image cost one rewrite under the lock, not 20.
   * Each entry is built from the manifest on disk, read whole and checked against its digest,
   * and the blobs directory is flushed first, so that the entries' renames are durable before
   * index.json names them. As push does, a manifest is listed by what it says: one that names
   * another subject (a source's fallback index may list it) is listed as that subject's
   * referrer, and one without a subject is no referrer and stays unlisted.
   */
  async recordReferrers(subject: Descriptor, referrers: Descriptor[]): Promise<void> {
    this.sweepOnce();
    // listed already, or taken for this update (a Set: an image may have 10,000 referrers)
    const listed = new Set(readIndexFile(this.dir).manifests.map((d) => d.digest));
    const entries: Descriptor[] = [];
    for (const r of referrers) {
      if (listed.has(r.digest) || !isManifestType(r.mediaType)) continue;
      listed.add(r.digest);
      const path = this.blobPath(r.digest);
      if (!isRegularFile(path)) throw new CairnError('NOT_FOUND', `cannot list ${r.digest} as a referrer of ${subject.digest}: it is not in the layout`, { where: this.location });
      const found = this.referrerEntry(r);
      if (found) entries.push(found.entry);
    }
    if (entries.length === 0) return;
    syncDir(join(this.dir, 'blobs', 'sha256'));
    await updateIndexFile(this.dir, (index) => {
      const now = new Set(index.manifests.map((d) => d.digest));
      const missing = entries.filter((e) => !now.has(e.digest));
      index.manifests.push(...missing);
      return missing.length > 0;
    });
  }

  private async ingest(target: string, content: Readable | Uint8Array, expected: { digest: Digest; size: number; where: string }): Promise<void> {
    const dir = join(this.dir, 'ingest');
    const tmp = join(dir, `${expected.digest.slice(7, 19)}-${randomBytes(6).toString('hex')}`);
    let fd: number | undefined;
    try {
      mkdirSync(dir, { recursive: true });
      const source = content instanceof Uint8Array ? bytesStream(content) : content;
      const verifier = new VerifyingStream(expected);
      // Created before any byte flows: a stream's own (asynchronous) open could create the file
      // after a failed transfer was cleaned up, leaving it behind.
      fd = openSync(tmp, 'wx', 0o644);
      const file = createWriteStream(tmp, { fd, flush: true });
      fd = undefined;
      await pipeline(source, verifier, file);
      renameSync(tmp, target);
    } catch (err) {
      if (fd !== undefined) closeSync(fd);
      if (!(content instanceof Uint8Array)) content.destroy();
      try {
        unlinkSync(tmp);
      } catch {
        // never created
      }
      throw err instanceof CairnError ? err : fsError(err, target, 'cannot write');
    }
  }

  async tag(desc: Descriptor, tag: string): Promise<void> {
    this.sweepOnce();
    if (!(await this.exists(desc))) throw new CairnError('NOT_FOUND', `cannot tag ${desc.digest}: not in the layout`, { where: this.location });
    const entry: Descriptor = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size, annotations: { [REF_NAME]: tag } };
    await updateIndexFile(this.dir, (index) => {
      index.manifests = index.manifests.filter((d) => d.annotations?.[REF_NAME] !== tag);
      index.manifests.push(entry);
      return true;
    });
  }

  /** The entries of index.json as they are (annotations included: `cosign save` marks its entries there). */
  async indexEntries(): Promise<Descriptor[]> {
    return readIndexFile(this.dir).manifests;
  }

  async tags(): Promise<string[]> {
    const names = readIndexFile(this.dir).manifests.map((d) => d.annotations?.[REF_NAME]);
    return names.filter((n): n is string => typeof n === 'string');
  }

  async referrers(subject: Descriptor, artifactType?: string): Promise<Descriptor[]> {
    const out: Descriptor[] = [];
    const seen = new Set<string>();
    for (const desc of readIndexFile(this.dir).manifests) {
      if (!isManifestType(desc.mediaType) || seen.has(desc.digest)) continue;
      seen.add(desc.digest);
      const found = this.referrerEntry(desc);
      if (!found || found.subject !== subject.digest) continue;
      if (!artifactType || found.entry.artifactType === artifactType) out.push(found.entry);
    }
    return out;
  }

  // Content is immutable, so each manifest is read (and verified) once per store instance.
  private referrerEntry(desc: Descriptor): { subject: string; entry: Descriptor } | null {
    const cached = this.subjects.get(desc.digest);
    if (cached !== undefined) return cached;
    const path = this.blobPath(desc.digest);
    let result: { subject: string; entry: Descriptor } | null = null;
    // A manifest that is missing, too big, or not a regular file is no referrer (never read).
    let bytes: Buffer | undefined;
    try {
      bytes = readRegular(path, MAX_MANIFEST_BYTES, `${this.location}@${desc.digest}`);
    } catch (err) {
      if (!isCairnError(err, 'NOT_FOUND', 'TOO_LARGE', 'UNSAFE_PATH')) throw err;
    }
    if (bytes) {
      verifyContent(bytes, { digest: desc.digest as Digest, where: this.location });
      const node = parseManifestNode(desc, bytes, `${this.location}@${desc.digest}`);
      const subject = subjectOf(node)?.digest;
      if (subject) result = { subject, entry: referrerDescriptor(node) };
    }
    // a manifest not there (yet) may be pushed later: only what was read is kept
    if (bytes) this.subjects.set(desc.digest, result);
    return result;
  }
}

// Flushes a directory's entries (the renames into it) to disk.
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (err) {
    throw fsError(err, dir, 'cannot flush');
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
