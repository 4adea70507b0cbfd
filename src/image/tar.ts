import { CairnError } from '../errors.js';
import { headerName, parseNumeric, parsePax, type PaxFields, readName, validChecksum } from './tar-header.js';

// A synchronous, push-driven tar reader that reads what Go's archive/tar reads (the reader
// behind containerd and Docker), so that Cairn sees the files a runtime unpacks: USTAR, PAX
// and GNU headers, PAX `path`/`linkpath`/`size`, GNU long names, global PAX headers ignored,
// header-only types carry no data whatever their size field says, and the archive ends at two
// zero blocks; anything after them is not part of the archive. Unlike Go it insists on an
// end-of-archive block, so that a tar cut at an entry boundary is reported as truncated.
// Special headers are capped (Go caps them at 1 MiB). No promise or stream per entry: a
// 100k-entry layer costs 100k synchronous calls.
// Spec: https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html#tag_20_92_13

/** The entry kinds a layer may hold (sockets cannot be archived). */
export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

/** One archive entry, with the PAX and GNU extensions applied. */
export interface TarHeader {
  name: string;
  type: TarEntryType;
  mode: number;
  /** Bytes of data that follow (0 for every type but `file`). */
  size: number;
  linkname: string;
  /** Offset of the entry's (first) header in the uncompressed stream, for messages. */
  offset: number;
}

/** Receives entries in archive order; `data` and `end` follow the `entry` they belong to. */
export interface TarSink {
  entry(header: TarHeader): void;
  data(chunk: Buffer): void;
  end(): void;
}

const TYPES: Record<number, TarEntryType> = { 48: 'file', 0: 'file', 49: 'hardlink', 50: 'symlink', 51: 'char', 52: 'block', 53: 'dir', 54: 'fifo' };
const PAX = 0x78; // 'x'
const PAX_GLOBAL = 0x67; // 'g'
const GNU_LONG_NAME = 0x4c; // 'L'
const GNU_LONG_LINK = 0x4b; // 'K'

type State = 'header' | 'data' | 'special' | 'pad' | 'done';

/** Reads one tar stream pushed in chunks of any size; throws CairnError on malformed input. */
export class TarReader {
  private state: State = 'header';
  private readonly block = Buffer.alloc(512);
  private filled = 0;
  private remaining = 0;
  private pad = 0;
  private zeroBlocks = 0;
  private special: Buffer | undefined;
  private specialType = 0;
  private pax: PaxFields | undefined;
  private longName: string | undefined;
  private longLink: string | undefined;
  private headerAt = -1;
  private blockAt = 0;
  /** Bytes of the stream consumed so far. */
  position = 0;

  constructor(
    private readonly sink: TarSink,
    private readonly maxHeaderBytes: number,
  ) {}

  /** Feeds the next piece of the uncompressed stream. */
  push(chunk: Buffer): void {
    const base = this.position;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case 'data': {
          const k = Math.min(this.remaining, n - i);
          this.sink.data(chunk.subarray(i, i + k));
          i += k;
          this.remaining -= k;
          if (this.remaining === 0) {
            this.state = 'pad';
            this.sink.end();
          }
          break;
        }
        case 'pad': {
          const k = Math.min(this.pad, n - i);
          i += k;
          this.pad -= k;
          if (this.pad === 0) this.state = 'header';
          break;
        }
        case 'special': {
          const buf = this.special!;
          const k = Math.min(this.remaining, n - i);
          chunk.copy(buf, buf.length - this.remaining, i, i + k);
          i += k;
          this.remaining -= k;
          if (this.remaining === 0) this.onSpecial(buf);
          break;
        }
        case 'header': {
          if (this.filled === 0) this.blockAt = base + i;
          if (this.filled === 0 && n - i >= 512) {
            this.onBlock(chunk.subarray(i, i + 512));
            i += 512;
          } else {
            const k = Math.min(512 - this.filled, n - i);
            chunk.copy(this.block, this.filled, i, i + k);
            this.filled += k;
            i += k;
            if (this.filled === 512) {
              this.filled = 0;
              this.onBlock(this.block);
            }
          }
          break;
        }
        case 'done':
          i = n;
          break;
      }
    }
    this.position = base + n;
  }

  /** Ends the stream: it must have ended at the end-of-archive marker. */
  finish(): void {
    if (this.state === 'done') return;
    if (this.state === 'header' && this.filled === 0 && this.zeroBlocks === 1) return; // one zero block then EOF (Go accepts)
    const what = this.state === 'header' && this.filled === 0 ? 'no end-of-archive marker' : 'stream ends inside an entry';
    throw new CairnError('ARCHIVE_INVALID', `tar is truncated: ${what} (at byte ${this.position})`);
  }

  private onBlock(h: Buffer): void {
    const at = this.blockAt;
    if (isZero(h)) {
      if (this.pax || this.longName !== undefined || this.longLink !== undefined) {
        throw invalid(at, 'extended header without an entry');
      }
      this.zeroBlocks += 1;
      if (this.zeroBlocks === 2) this.state = 'done';
      return;
    }
    if (this.zeroBlocks > 0) throw invalid(at, 'header after an end-of-archive block');
    if (!validChecksum(h)) throw invalid(at, 'bad header checksum (not a tar archive?)');
    if (this.headerAt < 0) this.headerAt = at;
    const flag = h[156]!;
    const size = parseNumeric(h, 124, 12, at, 'size');
    if (flag === PAX || flag === PAX_GLOBAL || flag === GNU_LONG_NAME || flag === GNU_LONG_LINK) {
      if (size > this.maxHeaderBytes) {
        throw new CairnError('TOO_LARGE', `tar extended header of ${size} bytes at byte ${at} is larger than the limit of ${this.maxHeaderBytes}`);
      }
      this.specialType = flag;
      this.startSpecial(size);
      return;
    }
    const type = TYPES[flag];
    if (type === undefined) {
      const what = flag === 0x53 ? 'GNU sparse file' : `entry type ${JSON.stringify(String.fromCharCode(flag))}`;
      throw new CairnError('UNSUPPORTED', `tar ${what} at byte ${at} is not supported`);
    }
    this.emit(h, type, flag, size);
  }

  private emit(h: Buffer, baseType: TarEntryType, flag: number, rawSize: number): void {
    const at = this.headerAt;
    let name = headerName(h, at);
    let linkname = readName(h, at, 157, 100);
    let size = rawSize;
    if (this.pax) {
      if (this.pax.sparse) throw new CairnError('UNSUPPORTED', `tar GNU sparse file at byte ${at} is not supported`);
      if (this.pax.path !== undefined) name = this.pax.path;
      if (this.pax.linkpath !== undefined) linkname = this.pax.linkpath;
      if (this.pax.size !== undefined) size = this.pax.size;
    }
    if (this.longName !== undefined) name = this.longName;
    if (this.longLink !== undefined) linkname = this.longLink;
    this.pax = this.longName = this.longLink = undefined;
    this.headerAt = -1;
    const type = flag === 0 && name.endsWith('/') ? 'dir' : baseType;
    const dataSize = type === 'file' ? size : 0;
    const mode = parseNumeric(h, 100, 8, at, 'mode') & 0o7777;
    this.sink.entry({ name, type, mode, size: dataSize, linkname, offset: at });
    this.remaining = dataSize;
    this.pad = (512 - (dataSize % 512)) % 512;
    if (dataSize > 0) {
      this.state = 'data';
    } else {
      this.sink.end();
      this.state = 'header';
    }
  }

  private startSpecial(size: number): void {
    this.special = Buffer.allocUnsafe(size);
    this.remaining = size;
    this.pad = (512 - (size % 512)) % 512;
    if (size === 0) this.onSpecial(this.special);
    else this.state = 'special';
  }

  private onSpecial(buf: Buffer): void {
    const at = this.headerAt;
    this.special = undefined;
    this.state = this.pad > 0 ? 'pad' : 'header';
    switch (this.specialType) {
      case PAX:
        this.pax = parsePax(buf, at);
        break;
      case PAX_GLOBAL:
        parsePax(buf, at); // validated, then ignored as Go and containerd do
        this.pax = this.longName = this.longLink = undefined;
        this.headerAt = -1;
        break;
      case GNU_LONG_NAME:
        this.longName = readName(buf, at, 0, buf.length);
        break;
      default:
        this.longLink = readName(buf, at, 0, buf.length);
    }
  }
}

function isZero(h: Buffer): boolean {
  for (let i = 0; i < 512; i++) if (h[i] !== 0) return false;
  return true;
}

function invalid(at: number, what: string): CairnError {
  return new CairnError('ARCHIVE_INVALID', `tar ${what} at byte ${at}`);
}
