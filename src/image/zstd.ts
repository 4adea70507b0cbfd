import { Decompress } from 'fzstd';
import { CairnError } from '../errors.js';

// Streaming zstd for layers (RFC 8878), on fzstd's push decoder. fzstd trusts frame headers: a
// 20-byte frame can ask it for a 2 GiB window, and it slides its whole window once per block.
// So the frame structure is walked here first (magic, header, 3-byte block headers, checksum)
// and fzstd only sees a frame whose window is within the cap; and a stream of many tiny blocks,
// each costing a window-sized copy, is stopped (encoders write blocks of 128 KiB, or of the
// window when it is smaller).
// Spec: https://www.rfc-editor.org/rfc/rfc8878#section-3.1.1

const ZSTD_MAGIC = 0xfd2fb528;
const MAX_BLOCK = 128 * 1024;
/** fzstd decodes back-references up to 2^25 bytes only; larger windows could decode wrongly. */
const FZSTD_MAX_WINDOW = 32 * 1024 * 1024;

type Phase = 'magic' | 'skippable' | 'fhd' | 'header' | 'block' | 'data';
type AfterData = 'block' | 'checksum' | 'magic';

/** A zstd decoder that calls `onData` with each decoded block and throws CairnErrors. */
export class ZstdStream {
  private readonly decoder: Decompress;
  private phase: Phase = 'magic';
  private need = 4;
  private readonly acc = Buffer.alloc(18);
  private filled = 0;
  private skip = 0;
  private after: AfterData = 'magic';
  private fhd = 0;
  private frames = 0;
  private window = 0;
  private work = 0;
  private readonly maxWindow: number;
  private produced = 0;

  constructor(onData: (chunk: Uint8Array) => void, maxWindow: number) {
    this.maxWindow = Math.min(maxWindow, FZSTD_MAX_WINDOW);
    // fzstd copies its whole window once per block: bound that work by the output it buys,
    // allowing twice what 128 KiB blocks with the largest accepted window cost.
    const factor = Math.max(256, (2 * this.maxWindow) / MAX_BLOCK);
    this.decoder = new Decompress((chunk, final) => {
      if (final) return;
      this.work += this.window;
      this.produced += chunk.length;
      if (this.work > factor * this.produced + 64 * this.window) {
        throw new CairnError('TOO_LARGE', `zstd stream has too many small blocks for its ${this.window}-byte window (${this.produced} bytes decoded)`);
      }
      onData(chunk);
    });
  }

  /** Decodes the next piece of the compressed stream. */
  push(chunk: Uint8Array): void {
    this.walk(chunk);
    this.run(() => this.decoder.push(chunk));
  }

  /** Ends the stream; a stream cut inside a frame is ARCHIVE_INVALID. */
  end(): void {
    if (this.phase !== 'magic' || this.filled !== 0 || this.frames === 0) {
      throw new CairnError('ARCHIVE_INVALID', 'zstd stream is truncated');
    }
    this.run(() => this.decoder.push(new Uint8Array(0), true));
  }

  private run(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (err instanceof CairnError) throw err;
      throw new CairnError('ARCHIVE_INVALID', `zstd data is invalid: ${(err as Error).message}`, { cause: err });
    }
  }

  // Follows the frame structure through `chunk`, checking each frame header before fzstd sees it.
  private walk(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.phase === 'data') {
        const n = Math.min(this.skip, chunk.length - i);
        i += n;
        this.skip -= n;
        if (this.skip === 0) this.dataDone();
        continue;
      }
      const n = Math.min(this.need - this.filled, chunk.length - i);
      this.acc.set(chunk.subarray(i, i + n), this.filled);
      this.filled += n;
      i += n;
      if (this.filled === this.need) this.onField();
    }
  }

  private expect(phase: Phase, need: number, keep = 0): void {
    this.phase = phase;
    this.need = need;
    this.filled = keep;
  }

  private data(n: number, after: AfterData): void {
    this.after = after;
    this.skip = n;
    this.expect('data', 0);
    if (n === 0) this.dataDone();
  }

  private dataDone(): void {
    if (this.after === 'block') this.expect('block', 3);
    else if (this.after === 'checksum' && this.fhd & 4) this.data(4, 'magic'); // XXH64, not verified (as fzstd)
    else this.expect('magic', 4);
  }

  private onField(): void {
    const a = this.acc;
    switch (this.phase) {
      case 'magic': {
        const magic = a.readUInt32LE(0);
        if (magic === ZSTD_MAGIC) return this.expect('fhd', 1);
        if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) return this.expect('skippable', 4);
        throw new CairnError('ARCHIVE_INVALID', 'zstd data is invalid: bad frame magic');
      }
      case 'skippable':
        this.fhd = 0;
        return this.data(a.readUInt32LE(0), 'magic');
      case 'fhd': {
        this.fhd = a[0]!;
        const single = (this.fhd >> 5) & 1;
        const rest = (single ? 0 : 1) + [0, 1, 2, 4][this.fhd & 3]! + [single, 2, 4, 8][this.fhd >> 6]!;
        if (rest === 0) return this.onFrameHeader();
        return this.expect('header', 1 + rest, 1); // the descriptor stays at acc[0]
      }
      case 'header':
        return this.onFrameHeader();
      case 'block': {
        const h = a[0]! | (a[1]! << 8) | (a[2]! << 16);
        const type = (h >> 1) & 3;
        const size = h >>> 3;
        if (type === 3) throw new CairnError('ARCHIVE_INVALID', 'zstd data is invalid: reserved block type');
        if (size > MAX_BLOCK) throw new CairnError('ARCHIVE_INVALID', `zstd data is invalid: block of ${size} bytes`);
        return this.data(type === 1 ? 1 : size, h & 1 ? 'checksum' : 'block');
      }
      default:
        return;
    }
  }

  private onFrameHeader(): void {
    const a = this.acc;
    const fhd = this.fhd;
    if (fhd & 8) throw new CairnError('ARCHIVE_INVALID', 'zstd data is invalid: reserved frame header bit');
    const single = (fhd >> 5) & 1;
    let at = 1;
    let window = 0;
    if (!single) {
      const wd = a[at++]!;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    const dictBytes = [0, 1, 2, 4][fhd & 3]!;
    const dictId = dictBytes ? a.readUIntLE(at, dictBytes) : 0;
    at += dictBytes;
    if (dictId !== 0) throw new CairnError('UNSUPPORTED', `zstd frame needs dictionary ${dictId}`);
    const fcsBytes = [single, 2, 4, 8][fhd >> 6]!;
    if (single) {
      window = fcsBytes === 8 ? Number(a.readBigUInt64LE(at)) : a.readUIntLE(at, fcsBytes) + (fcsBytes === 2 ? 256 : 0);
    }
    if (window > this.maxWindow) {
      throw new CairnError('UNSUPPORTED', `zstd window of ${window} bytes is larger than the ${this.maxWindow} bytes supported`);
    }
    this.window = Math.max(this.window, window);
    this.frames += 1;
    this.expect('block', 3);
  }
}
