import { constants, createGunzip, type Gunzip } from 'node:zlib';
import { CairnError } from '../errors.js';

// gzip decoded synchronously, in place, on the calling thread: node's own zlib binding (the
// handle its streams and `processChunkSync` drive), fed one chunk at a time and writing into
// one output buffer that is reused for the whole layer. The stream API costs, per GiB, 4k
// thread-pool round trips and 1 GiB of fresh 256 KiB buffers (page faults and GC): more than
// the inflate itself, which for incompressible layers is a memcpy and a crc32. Same decoder,
// same rules as `createGunzip`: concatenated members, trailing zero bytes allowed, anything
// else after the stream is an error, and a stream cut short fails at the end.
// Spec: https://www.rfc-editor.org/rfc/rfc1952

/** The parts of node's zlib handle used here (lib/zlib.js processChunkSync drives the same). */
interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
  onerror: (message: string, errno: number, code: string) => void;
}

/** A gzip decoder for one stream; `emit` gets views of a reused buffer, valid during the call only. */
export class GunzipSync {
  private readonly stream: Gunzip;
  private readonly handle: ZlibHandle;
  private readonly state: Uint32Array;
  private failure: { message: string; code: string } | undefined;

  constructor(
    private readonly out: Buffer,
    private readonly emit: (chunk: Buffer) => void,
  ) {
    this.stream = createGunzip();
    const inner = this.stream as unknown as { _handle?: ZlibHandle; _writeState?: Uint32Array };
    if (typeof inner._handle?.writeSync !== 'function' || !(inner._writeState instanceof Uint32Array)) {
      throw new CairnError('INTERNAL', `node ${process.version} has no synchronous zlib handle`);
    }
    this.handle = inner._handle;
    this.state = inner._writeState;
    this.handle.onerror = (message, _errno, code) => (this.failure = { message, code });
  }

  /** Decodes the next piece of the compressed stream. */
  push(chunk: Uint8Array): void {
    this.run(constants.Z_NO_FLUSH, chunk);
  }

  /** Ends the stream: ARCHIVE_INVALID if it was cut short. */
  end(): void {
    this.run(constants.Z_FINISH, new Uint8Array(0));
  }

  /** Frees zlib's state (also after a failure). */
  close(): void {
    this.stream.close();
  }

  // Calls zlib until it has taken all of `input` and left room in the output (all flushed).
  private run(flush: number, input: Uint8Array): void {
    let off = 0;
    let left = input.length;
    for (;;) {
      this.handle.writeSync(flush, input, off, left, this.out, 0, this.out.length);
      if (this.failure) throw this.error(this.failure);
      const [outLeft, inLeft] = this.state as unknown as [number, number];
      const have = this.out.length - outLeft;
      off += left - inLeft;
      left = inLeft;
      if (have > 0) this.emit(this.out.subarray(0, have));
      if (outLeft !== 0) return;
    }
  }

  private error(f: { message: string; code: string }): CairnError {
    const what = f.code === 'Z_BUF_ERROR' ? 'gzip stream is truncated' : `gzip data is invalid: ${f.message}`;
    return new CairnError('ARCHIVE_INVALID', what);
  }
}
