import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { CairnError, isCairnError } from '../../errors.js';
import { readVerified, VerifyingStream, type Digest } from '../../digest/index.js';
import type { Descriptor } from '../../schema/index.js';
import { discardBody, headerText, type RegistryClient, type RegistryRequest } from './client.js';

// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs
// Blob reads (redirects to blob storage are followed by the client), existence checks, and
// uploads: POST a session, then one PUT ?digest= with the bytes (monolithic: content in memory,
// and small streams), or, for a larger stream, one streaming PATCH of the whole blob and a
// closing PUT ?digest= (as docker and skopeo push). Cross-repository mount when the blob is
// already in another repository of the same registry.

/**
 * Streams up to this size are read into memory (digest-checked) and go up in one PUT (two
 * requests, not three); larger ones stream through a PATCH, holding no more than the streams'
 * buffers: `cairn copy` of four 256 MiB layers between two registries peaked at 903 MiB with
 * 64 MiB PATCH chunks, 290 MiB with 8 MiB chunks, 132 MiB streaming (docs/bench.md).
 */
export const BUFFERED_UPLOAD_BYTES = 1024 * 1024;
/** PATCH size when an upload is asked to go in chunks (UploadOptions.chunkSize). */
export const CHUNK_SIZE = 8 * 1024 * 1024;

/** How uploadBlob sends a stream (the defaults above; tests make them small). */
export interface UploadOptions {
  /** Streams up to this size go up in one PUT (default BUFFERED_UPLOAD_BYTES). */
  bufferBytes?: number;
  /** An upload session opened ahead (startUpload), used instead of opening one. */
  location?: string;
  /**
   * Larger streams in PATCH chunks of this size, each with its Content-Range (distribution-spec
   * "Pushing a blob in chunks"), instead of one streaming PATCH: for a registry that wants
   * ranges. Each chunk is held in memory while it is sent.
   */
  chunkSize?: number;
}

const pull = (repo: string) => [`repository:${repo}:pull`];
const push = (repo: string) => [`repository:${repo}:pull,push`];

/** GET a blob as a stream (callers verify it). */
export async function fetchBlob(client: RegistryClient, repo: string, desc: Descriptor): Promise<Readable> {
  const res = await client.send({ method: 'GET', path: `/v2/${repo}/blobs/${desc.digest}`, scopes: pull(repo), ok: [200], transferBytes: desc.size });
  const length = Number(headerText(res.headers['content-length']) ?? NaN);
  if (Number.isFinite(length) && length !== desc.size) {
    res.body.destroy();
    throw new CairnError('DIGEST_MISMATCH', `registry announced ${length} bytes for ${desc.digest}, expected ${desc.size}`, { where: `${client.host}/${repo}` });
  }
  return res.body;
}

/** HEAD a blob. */
export async function blobExists(client: RegistryClient, repo: string, digest: string): Promise<boolean> {
  const res = await client.send({ method: 'HEAD', path: `/v2/${repo}/blobs/${digest}`, scopes: pull(repo), ok: [200, 404] });
  discardBody(res.body);
  return res.status === 200;
}

/** Tries a cross-repository mount; false when the registry opened an upload instead. */
export async function mountBlob(client: RegistryClient, repo: string, digest: string, from: string): Promise<boolean> {
  const q = new URLSearchParams({ mount: digest, from });
  const res = await client.send({ method: 'POST', path: `/v2/${repo}/blobs/uploads/?${q}`, scopes: [...push(repo), ...pull(from)], ok: [201, 202] });
  discardBody(res.body);
  if (res.status === 201) return true;
  const location = headerText(res.headers['location']);
  if (location) {
    const url = new URL(location, res.url).toString();
    await client.send({ method: 'DELETE', path: url, scopes: push(repo), ok: [204, 202, 404] }).then((r) => discardBody(r.body), () => undefined);
  }
  return false;
}

/** Opens an upload session (POST); its Location is where the bytes go. */
export async function startUpload(client: RegistryClient, repo: string): Promise<string> {
  const res = await client.send({ method: 'POST', path: `/v2/${repo}/blobs/uploads/`, scopes: push(repo), ok: [202] });
  discardBody(res.body);
  return nextLocation(res.headers['location'], res.url, repo);
}

function nextLocation(v: string | string[] | undefined, base: string, repo: string): string {
  const location = headerText(v);
  if (!location) throw new CairnError('REGISTRY_ERROR', 'upload response without Location', { where: repo });
  return new URL(location, base).toString();
}

function withDigest(location: string, digest: string): string {
  const u = new URL(location);
  u.searchParams.set('digest', digest);
  return u.toString();
}

/**
 * Uploads a blob; bytes are checked against `desc` on the way (size cap and digest), and a
 * wrong one aborts the upload before the closing PUT: nothing is committed.
 */
export async function uploadBlob(client: RegistryClient, repo: string, desc: Descriptor, content: Readable | Buffer, options: UploadOptions = {}): Promise<void> {
  const buffered = Buffer.isBuffer(content) || (desc.size <= (options.bufferBytes ?? BUFFERED_UPLOAD_BYTES) && options.chunkSize === undefined);
  // read (and checked) before the session opens: a wrong small blob costs no request
  const bytes = Buffer.isBuffer(content) ? content : buffered ? await readVerified(content, { digest: desc.digest as Digest, size: desc.size, where: desc.digest }) : undefined;
  let location: string;
  try {
    location = options.location ?? (await startUpload(client, repo));
  } catch (err) {
    // a source stream nobody will read would hold its connection open
    if (!Buffer.isBuffer(content)) content.destroy();
    throw err;
  }
  const headers = { 'content-type': 'application/octet-stream' };
  if (bytes) {
    await closeUpload(client, repo, desc, { method: 'PUT', path: withDigest(location, desc.digest), headers: { ...headers, 'content-length': String(desc.size) }, body: bytes, scopes: push(repo), ok: [201], transferBytes: desc.size });
    return;
  }
  const stream = content as Readable;
  const verified = stream.pipe(verifier(desc, stream));
  // settles once the last byte is counted and the digest matched (the verifier's flush), not
  // merely when the registry has answered the PATCH, which it may do before our check is over
  const checked = finished(verified, { readable: false }).then(() => undefined, (err: unknown) => err);
  try {
    const last = options.chunkSize === undefined ? await patchStream(client, repo, location, desc, verified) : await patchChunks(client, repo, location, verified, options.chunkSize);
    const wrong = await checked;
    if (wrong) throw wrong;
    await closeUpload(client, repo, desc, { method: 'PUT', path: withDigest(last, desc.digest), headers: { 'content-length': '0' }, scopes: push(repo), ok: [201] });
  } catch (err) {
    verified.destroy();
    stream.destroy();
    // best effort: the session would expire on its own; it was never committed
    await client.send({ method: 'DELETE', path: location, scopes: push(repo), ok: [204, 202, 404] }).then((r) => discardBody(r.body), () => undefined);
    // the request fails with the transport's words; our own check says what was wrong
    const own = await checked;
    throw isCairnError(own, 'DIGEST_MISMATCH', 'TOO_LARGE') ? own : err;
  }
}

// The whole stream in one PATCH without Content-Range (distribution's "stream upload", what
// docker and skopeo send): the body flows from the source as it is read, at the source's pace.
async function patchStream(client: RegistryClient, repo: string, location: string, desc: Descriptor, body: Readable): Promise<string> {
  const res = await client.send({ method: 'PATCH', path: location, headers: { 'content-type': 'application/octet-stream', 'content-length': String(desc.size) }, body, scopes: push(repo), ok: [202], transferBytes: desc.size });
  discardBody(res.body);
  return nextLocation(res.headers['location'], res.url, repo);
}

async function patchChunks(client: RegistryClient, repo: string, location: string, body: Readable, chunkSize: number): Promise<string> {
  let offset = 0;
  for await (const chunk of chunks(body, chunkSize)) {
    const range = `${offset}-${offset + chunk.length - 1}`;
    const res = await client.send({ method: 'PATCH', path: location, headers: { 'content-type': 'application/octet-stream', 'content-range': range, 'content-length': String(chunk.length) }, body: chunk, scopes: push(repo), ok: [202], transferBytes: chunk.length });
    discardBody(res.body);
    location = nextLocation(res.headers['location'], res.url, repo);
    offset += chunk.length;
  }
  return location;
}

// The closing PUT. If its answer is lost (a reset after the registry committed the blob, then a
// retried PUT finding the session gone), the blob may be there all the same: the registry
// checked its digest when committing, so a HEAD that finds it settles the upload.
async function closeUpload(client: RegistryClient, repo: string, desc: Descriptor, req: RegistryRequest): Promise<void> {
  try {
    discardBody((await client.send(req)).body);
  } catch (err) {
    if (!isCairnError(err, 'NETWORK_ERROR', 'NOT_FOUND', 'REGISTRY_ERROR')) throw err;
    if (!(await blobExists(client, repo, desc.digest).catch(() => false))) throw err;
  }
}

function verifier(desc: Descriptor, source: Readable): VerifyingStream {
  const v = new VerifyingStream({ digest: desc.digest as Digest, size: desc.size, where: desc.digest });
  source.on('error', (err) => v.destroy(err));
  return v;
}

/**
 * The stream in chunks of exactly `size` bytes (the last may be shorter). Each chunk is its own
 * buffer: what is left over after a chunk is copied out, so that no chunk keeps a larger buffer
 * alive behind it (a subarray would).
 */
export async function* chunks(stream: Readable, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let have = 0;
  for await (const c of stream) {
    parts.push(c as Buffer);
    have += (c as Buffer).length;
    while (have >= size) {
      const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts, have);
      yield all.length === size ? all : Buffer.from(all.subarray(0, size));
      parts = all.length > size ? [Buffer.from(all.subarray(size))] : [];
      have -= size;
    }
  }
  if (have > 0) yield Buffer.concat(parts, have);
}
