import type { Readable } from 'node:stream';

// The shapes shared by the image flattener: what goes in (layer streams), what comes out (one
// record per path of the flattened root filesystem), and the limits that keep a hostile image
// from exhausting memory or time.

/** One layer to flatten: its descriptor fields and a way to open its (compressed) bytes. */
export interface LayerSource {
  mediaType: string;
  digest: string;
  size?: number;
  /** The layer blob as stored; callers pass a stream that verifies the blob digest (openVerified). */
  open(): Promise<Readable>;
}

/** What a path is in the flattened filesystem. `hardlink` is a regular file reached by a tar hard link. */
export type ImageFileType = 'file' | 'hardlink' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo';

/** One path of the flattened root filesystem. */
export interface ImageFile {
  /** Relative POSIX path without a leading `/` or `./`, e.g. `usr/bin/env`. */
  path: string;
  type: ImageFileType;
  /** Permission bits including setuid, setgid and sticky (mode & 0o7777). */
  mode: number;
  /** Content length for files and hard links, target length for symlinks, 0 otherwise. */
  size: number;
  /**
   * Lowercase hex sha256 of the content: files and hard links, and symlinks that lead to a
   * regular file of the image (the content of that file, as in-toto hashes a followed link).
   */
  sha256?: string;
  /** Symlink target as written, or the path a hard link points at. */
  linkname?: string;
  /** For a symlink that leads to a regular file of the image: that file's path. */
  resolved?: string;
}

/** How a layer was read: its digests, its compression as found in the bytes, and its size. */
export interface LayerReport {
  digest: string;
  mediaType: string;
  compression: Compression;
  /** sha256 of the uncompressed tar stream (image-spec config.md rootfs.diff_ids). */
  diffId: string;
  uncompressedSize: number;
  entries: number;
}

/** Layer compressions Cairn decodes. */
export type Compression = 'none' | 'gzip' | 'zstd';

/** Limits and expectations for flattening; every field has a safe default (see DEFAULT_LIMITS). */
export interface FlattenOptions {
  /** rootfs.diff_ids from the image config; a mismatch is DIGEST_MISMATCH. */
  diffIds?: readonly string[];
  /** Cap on uncompressed bytes over all layers (gzip/zstd bombs): TOO_LARGE past it. */
  maxUncompressedBytes?: number;
  /** Cap on tar entries over all layers: TOO_LARGE past it. */
  maxEntries?: number;
  /** Cap on the characters of paths and link targets kept over all layers (memory): TOO_LARGE past it. */
  maxPathBytes?: number;
  /** Cap on one PAX or GNU long-name header (Go's archive/tar uses 1 MiB). */
  maxHeaderBytes?: number;
  /** Largest zstd window accepted (bytes); larger frames are UNSUPPORTED. */
  maxZstdWindow?: number;
  /** Told when each layer has been read and applied. */
  onLayer?: (report: LayerReport, index: number) => void;
  /**
   * Compressed size (bytes) from which a layer is decompressed, parsed and hashed on a worker
   * thread, in step with its download; default 16 MiB. Same result either way; tuning only.
   */
  threadFrom?: number;
}

/** The limits applied when FlattenOptions leaves them out. */
export const DEFAULT_LIMITS = {
  maxUncompressedBytes: 16 * 1024 ** 3,
  maxEntries: 2_000_000,
  maxPathBytes: 512 * 1024 * 1024,
  maxHeaderBytes: 1024 * 1024,
  maxZstdWindow: 32 * 1024 * 1024,
} as const;

/** FlattenOptions with every limit filled in. */
export type Limits = { -readonly [K in keyof typeof DEFAULT_LIMITS]: number };

/** Fills in the default limits. */
export function limitsOf(options: FlattenOptions): Limits {
  return {
    maxUncompressedBytes: options.maxUncompressedBytes ?? DEFAULT_LIMITS.maxUncompressedBytes,
    maxEntries: options.maxEntries ?? DEFAULT_LIMITS.maxEntries,
    maxPathBytes: options.maxPathBytes ?? DEFAULT_LIMITS.maxPathBytes,
    maxHeaderBytes: options.maxHeaderBytes ?? DEFAULT_LIMITS.maxHeaderBytes,
    maxZstdWindow: options.maxZstdWindow ?? DEFAULT_LIMITS.maxZstdWindow,
  };
}
