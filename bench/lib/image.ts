import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { EOA, rawHeader } from '../../test/helpers/tar.js';
import { CACHE } from './inputs.js';

// Deterministic OCI images for the registry rows, streamed to disk (a 1 GiB image is never in
// memory): each layer's tar is written to a temp file while its diff_id is hashed, then gzipped
// into the layout's blobs. Content comes from AES-128-CTR over a seed (gigabytes per second,
// incompressible, the same bytes on every machine). Written as an OCI image layout under
// bench/.cache/images/<name>, tagged `latest`; the digests never change between runs.

const LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
const CONFIG = 'application/vnd.oci.image.config.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** One tar entry a layer generator yields. */
export type LayerEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; size: number; mode?: number; data: (size: number) => Buffer }
  | { type: 'symlink' | 'hardlink'; path: string; linkname: string }
  | { type: 'whiteout'; path: string };

/** What a built image is: its layout directory and manifest descriptor. */
export interface BenchImage {
  name: string;
  layout: string;
  manifest: { mediaType: string; digest: string; size: number };
  /** Bytes of all compressed layers. */
  bytes: number;
  entries: number;
}

/** Incompressible deterministic bytes: AES-128-CTR keystream of `seed`. */
export function keystream(seed: string): (size: number) => Buffer {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  return (size) => cipher.update(Buffer.alloc(size));
}

const FLAGS = { file: '0', hardlink: '1', symlink: '2', dir: '5' } as const;

// Writes one layer's tar to `tmp`, returning its diff_id, size and entry count.
function writeTar(tmp: string, entries: Iterable<LayerEntry>): { diffId: string; size: number; entries: number } {
  const fd = openSync(tmp, 'w');
  const diff = createHash('sha256');
  let size = 0;
  let count = 0;
  const out = (b: Buffer): void => {
    diff.update(b);
    writeSync(fd, b);
    size += b.length;
  };
  try {
    for (const e of entries) {
      count++;
      if (e.type === 'whiteout') {
        const slash = e.path.lastIndexOf('/');
        out(rawHeader({ name: `${e.path.slice(0, slash + 1)}.wh.${e.path.slice(slash + 1)}`, size: 0 }));
      } else if (e.type === 'file') {
        out(rawHeader({ name: e.path, size: e.size, mode: e.mode ?? 0o644 }));
        for (let left = e.size; left > 0;) {
          const n = Math.min(left, 4 << 20);
          out(e.data(n));
          left -= n;
        }
        if (e.size % 512) out(Buffer.alloc(512 - (e.size % 512)));
      } else if (e.type === 'dir') {
        out(rawHeader({ name: e.path.endsWith('/') ? e.path : `${e.path}/`, flag: FLAGS.dir, mode: e.mode ?? 0o755 }));
      } else {
        out(rawHeader({ name: e.path, flag: FLAGS[e.type], linkname: e.linkname, mode: 0o777 }));
      }
    }
    out(EOA);
  } finally {
    closeSync(fd);
  }
  return { diffId: `sha256:${diff.digest('hex')}`, size, entries: count };
}

// gzips `tmp` into the blobs directory; returns the blob's digest and size.
async function gzipBlob(tmp: string, blobs: string, level: number): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const partial = join(blobs, '.partial');
  await pipeline(createReadStream(tmp, { highWaterMark: 1 << 20 }), createGzip({ level }), count, createWriteStream(partial));
  const hex = hash.digest('hex');
  renameSync(partial, join(blobs, hex));
  return { digest: `sha256:${hex}`, size };
}

function putJson(blobs: string, mediaType: string, value: unknown): { mediaType: string; digest: string; size: number } {
  const bytes = Buffer.from(JSON.stringify(value));
  const hex = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(join(blobs, hex), bytes);
  return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
}

/**
 * Builds (once; cached under bench/.cache/images/<name>) an image whose layers are the given
 * entry generators, gzipped at `level`.
 */
export async function buildBenchImage(name: string, layers: Array<() => Iterable<LayerEntry>>, level = 6): Promise<BenchImage> {
  const layout = join(CACHE, 'images', name);
  const doneFile = join(layout, 'bench-image.json');
  if (existsSync(doneFile)) return JSON.parse(readFileSync(doneFile, 'utf8')) as BenchImage;
  process.stderr.write(`bench: generating image ${name} (once; cached in ${layout}) ...\n`);
  rmSync(layout, { recursive: true, force: true });
  const blobs = join(layout, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const layerDescs = [];
  const diffIds = [];
  let bytes = 0;
  let entries = 0;
  for (const [i, gen] of layers.entries()) {
    const tmp = join(layout, `layer${i}.tar`);
    const tar = writeTar(tmp, gen());
    const blob = await gzipBlob(tmp, blobs, level);
    rmSync(tmp);
    layerDescs.push({ mediaType: LAYER_GZIP, ...blob });
    diffIds.push(tar.diffId);
    bytes += blob.size;
    entries += tar.entries;
  }
  const config = putJson(blobs, CONFIG, {
    created: '2024-01-01T00:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    config: {},
    rootfs: { type: 'layers', diff_ids: diffIds },
  });
  const manifest = putJson(blobs, MANIFEST, { schemaVersion: 2, mediaType: MANIFEST, config, layers: layerDescs });
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}\n');
  writeFileSync(join(layout, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
  }));
  const image: BenchImage = { name, layout, manifest, bytes, entries };
  writeFileSync(doneFile, JSON.stringify(image));
  return image;
}

/** `layers` layers of `filesPerLayer` incompressible files of `fileMiB` MiB (the "large" image). */
export function largeImage(layers: number, filesPerLayer: number, fileMiB: number): Promise<BenchImage> {
  const gens = Array.from({ length: layers }, (_, l) => function* (): Iterable<LayerEntry> {
    const data = keystream(`large/${l}`);
    yield { type: 'dir', path: `layer${l}` };
    for (let f = 0; f < filesPerLayer; f++) yield { type: 'file', path: `layer${l}/blob${String(f).padStart(3, '0')}.bin`, size: fileMiB << 20, data };
  });
  return buildBenchImage(`large-${layers}x${filesPerLayer}x${fileMiB}m-v1`, gens, 1);
}

/**
 * `files` files of 1 KiB, 1000 per directory, over `layers` layers (the "many" image). Each
 * file is half random bytes and half text, so the layers compress about 2:1 like the baseline's.
 */
export function manyImage(files: number, layers: number): Promise<BenchImage> {
  const per = Math.ceil(files / layers);
  const text = Buffer.from('cairn bench file line\n'.repeat(24)).subarray(0, 512);
  const gens = Array.from({ length: layers }, (_, l) => function* (): Iterable<LayerEntry> {
    const random = keystream(`many/${l}`);
    for (let i = l * per; i < Math.min(files, (l + 1) * per); i++) {
      const dir = `data/d${String(Math.floor(i / 1000)).padStart(3, '0')}`;
      if (i % 1000 === 0 || i === l * per) yield { type: 'dir', path: dir };
      yield { type: 'file', path: `${dir}/f${String(i).padStart(6, '0')}.bin`, size: 1024, data: () => Buffer.concat([random(512), text]) };
    }
  });
  return buildBenchImage(`many-${files}x${layers}-v2`, gens, 6);
}

/**
 * A small 3-layer image (~300 KB compressed) with the shapes real images have: directories,
 * files of a few KiB, symlinks, a hard link, a file whiteout and an overwrite.
 */
export function smallImage(): Promise<BenchImage> {
  const gen = (l: number) => function* (): Iterable<LayerEntry> {
    const data = keystream(`small/${l}`);
    yield { type: 'dir', path: `l${l}` };
    for (let i = 0; i < 100; i++) yield { type: 'file', path: `l${l}/f${i}`, size: 1000 + ((i * 37) % 2000), data };
    yield { type: 'symlink', path: `l${l}/link`, linkname: 'f0' };
    yield { type: 'hardlink', path: `l${l}/hard`, linkname: `l${l}/f1` };
    if (l > 0) {
      yield { type: 'whiteout', path: `l${l - 1}/f2` };
      yield { type: 'file', path: `l${l - 1}/f3`, size: 100, data };
    }
  };
  return buildBenchImage('small-v1', [gen(0), gen(1), gen(2)], 6);
}
