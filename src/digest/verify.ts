import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { CairnError } from '../errors.js';
import { type Digest } from './digest.js';

// Every byte Cairn pulls from outside is counted and hashed as it streams by, and the stream
// fails before its end is reported if the size or the digest is wrong (after ggcr's
// internal/verify and oras-go's content.ReadAll). Callers never see unverified bytes as final.

/** What a verified read expects: a digest, and the size when it is known. */
export interface Expected {
  digest: Digest;
  size?: number;
  /** Upper bound on bytes read when `size` is unknown or untrusted. */
  maxBytes?: number;
  /** Used in error messages: a reference or a file name. */
  where?: string;
}

/** A pass-through stream that fails with TOO_LARGE or DIGEST_MISMATCH instead of ending. */
export class VerifyingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private seen = 0;

  constructor(private readonly expected: Expected) {
    super();
    if (expected.size !== undefined && expected.maxBytes !== undefined && expected.size > expected.maxBytes) {
      throw tooLarge(expected, expected.size);
    }
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    const { size, maxBytes, digest, where } = this.expected;
    if (size !== undefined && this.seen > size) {
      done(new CairnError('DIGEST_MISMATCH', `more than the ${size} bytes announced for ${digest}`, { where }));
      return;
    }
    if (maxBytes !== undefined && this.seen > maxBytes) {
      done(tooLarge(this.expected, this.seen));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const { digest, size, where } = this.expected;
    if (size !== undefined && this.seen !== size) {
      done(new CairnError('DIGEST_MISMATCH', `got ${this.seen} bytes, expected ${size} for ${digest}`, { where }));
      return;
    }
    const actual = `sha256:${this.hash.digest('hex')}`;
    if (actual !== digest) {
      done(new CairnError('DIGEST_MISMATCH', `content is ${actual}, expected ${digest}`, { where }));
      return;
    }
    done();
  }
}

function tooLarge(expected: Expected, n: number): CairnError {
  const cap = expected.maxBytes ?? expected.size ?? 0;
  return new CairnError('TOO_LARGE', `${expected.digest} is larger than the limit of ${cap} bytes (${n} bytes or more)`, { where: expected.where });
}

/** Reads a whole stream into memory, at most `maxBytes`, failing with TOO_LARGE beyond it. */
export async function readLimited(stream: Readable, maxBytes: number, where?: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += buf.length;
    if (total > maxBytes) {
      stream.destroy();
      throw new CairnError('TOO_LARGE', `more than the limit of ${maxBytes} bytes`, { where });
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, total);
}

/** Reads a whole stream and checks it against `expected` (size, digest, byte cap). */
export async function readVerified(stream: Readable, expected: Expected): Promise<Buffer> {
  const cap = expected.size ?? expected.maxBytes ?? Number.MAX_SAFE_INTEGER;
  const verifier = new VerifyingStream(expected);
  stream.on('error', (err) => verifier.destroy(err));
  stream.pipe(verifier);
  return readLimited(verifier, cap + 1, expected.where);
}

/** Checks bytes already in memory against a digest (and size when given). */
export function verifyContent(data: Uint8Array, expected: Expected): void {
  if (expected.maxBytes !== undefined && data.length > expected.maxBytes) throw tooLarge(expected, data.length);
  if (expected.size !== undefined && data.length !== expected.size) {
    throw new CairnError('DIGEST_MISMATCH', `got ${data.length} bytes, expected ${expected.size} for ${expected.digest}`, { where: expected.where });
  }
  const actual = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  if (actual !== expected.digest) {
    throw new CairnError('DIGEST_MISMATCH', `content is ${actual}, expected ${expected.digest}`, { where: expected.where });
  }
}
