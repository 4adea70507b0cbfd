import { GunzipSync } from './inflate.js';
import type { Compression } from './types.js';
import { ZstdStream } from './zstd.js';

// Decompression of a layer's bytes, pushed in order, synchronously, on whichever thread parses
// the layer. The compression is read from the first bytes (gzip 1f 8b, zstd 28 b5 2f fd,
// anything else is a plain tar), the way containerd's DecompressStream does, so a layer whose
// media type says `+gzip` but holds a plain tar is read as the runtime reads it; the media type
// only decides whether a layer is supported at all. gzip runs on node's zlib (inflate.ts),
// zstd on fzstd (zstd.ts).

/** The compression named by the first bytes of a layer. */
export function sniffCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/** Bytes needed to tell the compressions apart. */
const HEAD = 4;

/**
 * Decodes one layer stream into `emit` (which must not keep the chunks it is given). The chunks
 * pushed may be reused by the caller once push returns.
 */
export class Decompressor {
  private decoder: { push(chunk: Uint8Array): void; end(): void } | undefined;
  private head: Buffer[] = [];
  private headBytes = 0;
  /** Known once the first bytes have been seen. */
  compression: Compression | undefined;

  constructor(
    private readonly emit: (chunk: Buffer) => void,
    private readonly maxZstdWindow: number,
    /** Output buffer for gzip, reused for every chunk. */
    private readonly scratch: Buffer,
  ) {}

  /** Takes the next piece of the layer as stored. */
  push(chunk: Buffer): void {
    if (this.decoder) return this.guarded(() => this.decoder!.push(chunk));
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.headBytes >= HEAD) this.start();
  }

  /** After the last piece: checks that the stream ended where its format says. */
  end(): Compression {
    if (!this.decoder) this.start();
    this.guarded(() => this.decoder!.end());
    this.close();
    return this.compression!;
  }

  /** Frees the decoder's state (after end, or when the layer is abandoned). */
  close(): void {
    if (this.decoder instanceof GunzipSync) this.decoder.close();
  }

  private start(): void {
    const head = this.head.length === 1 ? this.head[0]! : Buffer.concat(this.head, this.headBytes);
    this.head = [];
    this.compression = sniffCompression(head);
    if (this.compression === 'gzip') {
      this.decoder = new GunzipSync(this.scratch, this.emit);
    } else if (this.compression === 'zstd') {
      const zstd = new ZstdStream((c) => this.emit(Buffer.from(c.buffer, c.byteOffset, c.byteLength)), this.maxZstdWindow);
      // fzstd keeps views of input it has not decoded yet, and the caller may reuse its buffers
      // (the layer thread's ring): it gets copies.
      this.decoder = { push: (c) => zstd.push(new Uint8Array(c)), end: () => zstd.end() };
    } else {
      this.decoder = { push: (c) => this.emit(c as Buffer), end: () => undefined };
    }
    if (head.length > 0) this.guarded(() => this.decoder!.push(head));
  }

  // A failing decoder (or consumer) is closed before the error goes on.
  private guarded(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.close();
      throw err;
    }
  }
}
