import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import type { LayerSource } from '../../src/image/index.js';
import type { ReadOnlyStore } from '../../src/oci/store.js';
import type { Descriptor } from '../../src/schema/index.js';
import { CairnError } from '../../src/errors.js';

// Layer tars and images built by the tests: well-formed archives through tar-stream's packer
// (an independent writer), hand-made headers for what no sane writer produces (headers after
// the end marker, bad checksums, base-256 sizes, GNU long names), gzip through zlib, zstd as
// raw and RLE blocks (RFC 8878 §3.1.1.2, no encoder needed), and a small in-memory store
// holding an OCI or Docker image (after ggcr's random.Image).

export const OCI_TAR = 'application/vnd.oci.image.layer.v1.tar';
export const OCI_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
export const DOCKER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

/** One entry for tarOf. */
export interface TarEntrySpec {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
  /** Extra PAX records (tar-stream writes a PAX header when this is set). */
  pax?: Record<string, string>;
}

const PACK_TYPES = { file: 'file', dir: 'directory', symlink: 'symlink', hardlink: 'link', char: 'character-device', block: 'block-device', fifo: 'fifo' } as const;

/** A well-formed tar (with its end-of-archive marker) written by tar-stream. */
export async function tarOf(entries: TarEntrySpec[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const out = (async () => {
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  })();
  for (const e of entries) {
    const type = e.type ?? 'file';
    const content = type === 'file' ? Buffer.from(e.content ?? '') : undefined;
    const header = {
      name: e.name,
      type: PACK_TYPES[type],
      mode: e.mode ?? (type === 'dir' ? 0o755 : 0o644),
      mtime: new Date(0),
      linkname: e.linkname,
      size: content?.length ?? 0,
      ...(e.pax ? { pax: e.pax } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (content) pack.entry(header, content, done);
      else pack.entry(header, done);
    });
  }
  pack.finalize();
  return out;
}

/** Fields of a hand-made 512-byte header. */
export interface RawHeader {
  name: string;
  /** The typeflag byte as a character ('0', '5', 'x', 'L', ...) or '\0'. */
  flag?: string;
  size?: number;
  mode?: number;
  linkname?: string;
  prefix?: string;
  /** 'ustar' (POSIX, default), 'gnu', or 'v7' (no magic). */
  format?: 'ustar' | 'gnu' | 'v7';
  /** Write the size field in base-256. */
  base256?: boolean;
  /** Corrupt the checksum. */
  badChecksum?: boolean;
  /** Sum the bytes as signed chars (old Sun and BSD tars); Go accepts either sum. */
  signedChecksum?: boolean;
}

/** A hand-made tar header block with a correct checksum (unless asked otherwise). */
export function rawHeader(h: RawHeader): Buffer {
  const b = Buffer.alloc(512);
  b.write(h.name, 0, 100, 'utf8');
  b.write(`${(h.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100, 'latin1');
  b.write('0000000\0', 108, 'latin1');
  b.write('0000000\0', 116, 'latin1');
  const size = h.size ?? 0;
  if (h.base256) {
    b[124] = 0x80;
    let v = size;
    for (let i = 135; i > 124; i--) {
      b[i] = v % 256;
      v = Math.floor(v / 256);
    }
  } else {
    b.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  }
  b.write('00000000000\0', 136, 'latin1');
  b[156] = (h.flag ?? '0').charCodeAt(0);
  if (h.linkname) b.write(h.linkname, 157, 100, 'utf8');
  const format = h.format ?? 'ustar';
  if (format === 'ustar') b.write('ustar\x0000', 257, 'latin1');
  if (format === 'gnu') b.write('ustar  \0', 257, 'latin1');
  if (h.prefix) b.write(h.prefix, 345, 155, 'utf8');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const c of b) sum += h.signedChecksum ? (c << 24) >> 24 : c;
  b.write(`${(h.badChecksum ? sum + 1 : sum).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

/** Data padded to whole 512-byte blocks. */
export function blocks(data: string | Buffer): Buffer {
  const buf = Buffer.from(data);
  return Buffer.concat([buf, Buffer.alloc((512 - (buf.length % 512)) % 512)]);
}

/** A PAX record `"%d key=value\n"`. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let n = Buffer.byteLength(body) + 1;
  while (String(n).length + Buffer.byteLength(body) !== n) n = String(n).length + Buffer.byteLength(body);
  return `${n}${body}`;
}

/** The end-of-archive marker (two zero blocks). */
export const EOA = Buffer.alloc(1024);

/** gzip, as registries serve +gzip layers. */
export const gzip = (data: Buffer): Buffer => gzipSync(data);

/** A zstd frame of raw blocks (or RLE blocks for runs of one byte), no checksum. */
export function zstdOf(data: Buffer, opts: { windowLog?: number; blockSize?: number; rle?: boolean; checksum?: boolean } = {}): Buffer {
  const windowLog = opts.windowLog ?? 17;
  const blockSize = Math.min(opts.blockSize ?? 128 * 1024, 2 ** windowLog);
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, opts.checksum ? 4 : 0, (windowLog - 10) << 3])];
  const pieces: Buffer[] = [];
  for (let at = 0; at < data.length; at += blockSize) pieces.push(data.subarray(at, at + blockSize));
  if (pieces.length === 0) pieces.push(Buffer.alloc(0));
  pieces.forEach((piece, i) => {
    const last = i === pieces.length - 1 ? 1 : 0;
    const rle = opts.rle === true && piece.length > 0 && piece.every((c) => c === piece[0]);
    const h = last | ((rle ? 1 : 0) << 1) | (piece.length << 3);
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), rle ? piece.subarray(0, 1) : piece);
  });
  if (opts.checksum) parts.push(Buffer.alloc(4)); // fzstd does not verify the XXH64
  return Buffer.concat(parts);
}

/** The `sha256:<hex>` of bytes. */
export const sha256 = (data: Uint8Array): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
/** The hex sha256 of content. */
export const hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** A layer source over bytes, delivered in chunks of `chunkSize` (to cross every boundary). */
export function layerOf(bytes: Buffer<ArrayBufferLike>, mediaType = OCI_TAR, chunkSize = 64 * 1024): LayerSource {
  return {
    mediaType,
    digest: sha256(bytes),
    size: bytes.length,
    open: async () => Readable.from(chunked(bytes, chunkSize), { objectMode: false }),
  };
}

function* chunked(bytes: Buffer<ArrayBufferLike>, size: number): Generator<Buffer<ArrayBufferLike>> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** A read-only store over blobs in memory (the tests' stand-in for the OCI stores). */
export class MemoryBlobs implements ReadOnlyStore {
  readonly location = 'memory blobs';
  readonly blobs = new Map<string, Buffer>();

  /** Stores bytes and returns their descriptor. */
  put(mediaType: string, bytes: Buffer): Descriptor {
    const digest = sha256(bytes);
    this.blobs.set(digest, bytes);
    return { mediaType, digest, size: bytes.length };
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    const bytes = this.blobs.get(desc.digest);
    if (!bytes) throw new CairnError('NOT_FOUND', `no blob ${desc.digest}`);
    return Readable.from(chunked(bytes, 64 * 1024), { objectMode: false });
  }

  async exists(desc: Descriptor): Promise<boolean> {
    return this.blobs.has(desc.digest);
  }

  async resolve(reference: string): Promise<Descriptor> {
    throw new CairnError('NOT_FOUND', `no tag ${reference}`);
  }
}

/** An image in a MemoryBlobs: config with the right diff_ids (unless given), one manifest. */
export function imageOf(
  layers: { bytes: Buffer; uncompressed: Buffer; mediaType: string }[],
  opts: { docker?: boolean; diffIds?: string[]; configMediaType?: string } = {},
): { store: MemoryBlobs; manifest: Descriptor } {
  const store = new MemoryBlobs();
  const config = {
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: opts.diffIds ?? layers.map((l) => sha256(l.uncompressed)) },
  };
  const configType = opts.configMediaType ?? (opts.docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json');
  const manifestType = opts.docker ? 'application/vnd.docker.distribution.manifest.v2+json' : 'application/vnd.oci.image.manifest.v1+json';
  const manifest = {
    schemaVersion: 2,
    mediaType: manifestType,
    config: store.put(configType, Buffer.from(JSON.stringify(config))),
    layers: layers.map((l) => store.put(l.mediaType, l.bytes)),
  };
  return { store, manifest: store.put(manifestType, Buffer.from(JSON.stringify(manifest))) };
}
