import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { digestOf } from '../../../src/digest/index.js';
import { CairnError } from '../../../src/errors.js';
import { childrenOf, formatReference, OCI_INDEX, OCI_MANIFEST, parseManifestNode, parseReference, referrerDescriptor, subjectOf } from '../../../src/oci/index.js';
import { credentialsFromConfig, nextLink, parseChallenge, readDockerConfig } from '../../../src/oci/remote/index.js';
import { statusError } from '../../../src/oci/remote/errors.js';
import { onlyCairnErrors, onlyCairnErrorsAsync } from '../../helpers/fuzz.js';
import { tmpDir } from '../../helpers/tmp.js';

// Issue 9: the parsers of what registries and users hand the registry client (manifests and
// indexes, references, WWW-Authenticate and Link headers, error bodies, Docker config files)
// give a result or a one-line CairnError for any input, never another exception; inputs built
// to make a backtracking parser stall are read in linear time (a hang fails by timeout).

const RUNS = 300;
const hexDigest = fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256:${h}`);
const descriptor = fc.record({ mediaType: fc.oneof(fc.constantFrom(OCI_MANIFEST, OCI_INDEX, 'application/octet-stream'), fc.string()), digest: fc.oneof(hexDigest, fc.string()), size: fc.oneof(fc.nat(), fc.integer(), fc.double()) }, { requiredKeys: [] });
const manifestish = fc.record({
  schemaVersion: fc.oneof(fc.constant(2), fc.jsonValue()),
  mediaType: fc.oneof(fc.constantFrom(OCI_MANIFEST, OCI_INDEX), fc.string()),
  config: fc.oneof(descriptor, fc.jsonValue()),
  layers: fc.oneof(fc.array(descriptor, { maxLength: 4 }), fc.jsonValue()),
  manifests: fc.oneof(fc.array(descriptor, { maxLength: 4 }), fc.jsonValue()),
  subject: fc.oneof(descriptor, fc.jsonValue()),
  artifactType: fc.oneof(fc.string(), fc.jsonValue()),
  annotations: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.jsonValue()),
}, { requiredKeys: [] });
const realManifest = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf('{}'), size: 2 }, layers: [{ mediaType: 'application/vnd.dsse.envelope.v1+json', digest: digestOf('x'), size: 1 }], subject: { mediaType: OCI_MANIFEST, digest: digestOf('s'), size: 10 }, annotations: { a: 'b' } });
const mutated = (doc: string) => fc.tuple(fc.nat(), fc.nat(), fc.string({ maxLength: 3 })).map(([at, del, ins]) => doc.slice(0, at % doc.length) + ins + doc.slice((at % doc.length) + (del % 4)));

describe('fuzz: registry documents and headers', () => {
  it('manifests and indexes', () => {
    const bytes = fc.oneof(manifestish.map((m) => JSON.stringify(m)), mutated(realManifest), fc.json(), fc.string());
    fc.assert(fc.property(bytes, fc.constantFrom(OCI_MANIFEST, OCI_INDEX, 'x'), (text, mediaType) => {
      const b = Buffer.from(text);
      onlyCairnErrors(() => {
        const node = parseManifestNode({ mediaType, digest: digestOf(b), size: b.length }, b);
        childrenOf(node);
        subjectOf(node);
        referrerDescriptor(node);
      });
    }), { numRuns: RUNS });
  });

  it('references: any text parses or is refused, and what parses prints back to itself (but oci:DIR:WITH:COLONS)', () => {
    const part = fc.constantFrom('', 'a', 'A', '-', '_', '__', '.', ':', '/', '@', 'oci:', 'localhost', '127.0.0.1', '[::1]', ':5000', 'sha256:', 'sha512:', '0'.repeat(64), 'v1.0', '..', '%', ' ');
    const text = fc.oneof(fc.string(), fc.array(part, { maxLength: 12 }).map((p) => p.join('')));
    fc.assert(fc.property(text, (s) => {
      let ref;
      try {
        ref = parseReference(s);
      } catch (err) {
        assert.ok(err instanceof CairnError && ['INVALID_ARGUMENT', 'UNSUPPORTED'].includes(err.code), String(err));
        assert.ok(!err.message.includes('\n'));
        return;
      }
      // A directory whose name has a colon cannot be told from DIR:tag once printed (oras's syntax too).
      if (ref.kind === 'layout' && ref.path.includes(':')) return;
      assert.deepEqual(parseReference(formatReference(ref)), ref);
    }), { numRuns: RUNS * 3 });
  });

  it('WWW-Authenticate challenges, and their quoted parameters read back', () => {
    fc.assert(fc.property(fc.string(), (s) => void parseChallenge(s)), { numRuns: RUNS });
    const value = fc.string({ maxLength: 20 });
    const name = fc.oneof(fc.stringMatching(/^[a-z_]{1,8}$/), fc.constantFrom('realm', 'service', 'scope', 'error', 'basic', 'bearer'));
    fc.assert(fc.property(fc.constantFrom('Bearer', 'Basic', 'bearer'), fc.dictionary(name, value, { maxKeys: 4 }), (scheme, params) => {
      const header = `${scheme} ${Object.entries(params).map(([k, v]) => `${k}="${v.replace(/["\\]/g, '\\$&')}"`).join(', ')}`;
      assert.deepEqual(parseChallenge(header), { scheme: scheme.toLowerCase(), params: { ...params } });
    }), { numRuns: RUNS });
  });

  it('Link headers', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.array(fc.constantFrom('<', '>', ';', ',', 'rel=', '"next"', 'next', ' ', '/v2/x?last=1', 'http://[', 'a'), { maxLength: 20 }).map((p) => p.join(''))), (s) => {
      onlyCairnErrors(() => nextLink(s, 'http://127.0.0.1:5000/v2/x/tags/list'));
    }), { numRuns: RUNS });
    assert.equal(nextLink('</v2/x/tags/list?last=b>; rel="next"', 'http://h/v2/x/tags/list'), 'http://h/v2/x/tags/list?last=b');
  });

  it('registry error bodies become one line of at most a few hundred characters', async () => {
    const body = fc.oneof(fc.string(), fc.json(), fc.record({ errors: fc.array(fc.record({ code: fc.string(), message: fc.string() }, { requiredKeys: [] }), { maxLength: 3 }) }).map((v) => JSON.stringify(v)));
    await fc.assert(fc.asyncProperty(body, fc.integer({ min: 400, max: 599 }), async (text, status) => {
      const err = await statusError('GET', 'http://127.0.0.1:5000/v2/x/manifests/v1?token=secret', status, Readable.from([Buffer.from(text)]));
      assert.ok(!err.message.includes('\n') && !err.message.includes('\r'));
      assert.ok(!err.message.includes('token=secret'));
    }), { numRuns: RUNS });
  });

  it('pathological inputs are read in linear time', { timeout: 20_000 }, () => {
    const n = 200_000;
    for (const s of [`a${'-'.repeat(n)}!`, `${'a'.repeat(n)}.!/x`, `a.${'a-'.repeat(n)}!:1/x`, `h/${'a_'.repeat(n)}`, `oci:${':'.repeat(n)}`, `h/x@${'sha256:'.repeat(n)}`]) onlyCairnErrors(() => parseReference(s));
    for (const s of [`Bearer ${'a='.repeat(n)}`, `Bearer a="${'\\'.repeat(n)}`, `${' '.repeat(n)}x`, 'Basic,'.repeat(n)]) parseChallenge(s);
    for (const s of ['<'.repeat(n), `${'<>;'.repeat(n)}x`, `<>${';'.repeat(n)}`, `<${'>;'.repeat(n)}`, `<x>; ${'rel=next '.repeat(n)}`]) onlyCairnErrors(() => nextLink(s, 'http://h/'));
  });
});

describe('fuzz: Docker config files', () => {
  const dir = tmpDir('cairn-fuzz-config-');
  const host = 'reg.example';
  it('give credentials or a CairnError that does not quote them', async () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9]{8,16}$/).map((s) => `S3cr${s}`);
    const auth = fc.oneof(secret.map((s) => Buffer.from(`user:${s}`).toString('base64')), secret.map((s) => Buffer.from(s).toString('base64')), secret, secret.map((s) => `${s}!!`));
    const entry = fc.record({ auth, username: fc.string(), password: secret, identitytoken: secret, email: fc.string() }, { requiredKeys: [] });
    const config = fc.oneof(
      fc.record({ auths: fc.oneof(fc.dictionary(fc.constantFrom(host, `https://${host}`, 'other.example', 'https://index.docker.io/v1/'), entry), fc.jsonValue()), HttpHeaders: fc.jsonValue() }, { requiredKeys: [] }).map((c) => JSON.stringify(c)),
      fc.json(),
      fc.string(),
    );
    let n = 0;
    await fc.assert(fc.asyncProperty(config, async (text) => {
      const path = join(dir, `config-${n++}.json`);
      writeFileSync(path, text);
      const secrets = [...text.matchAll(/S3cr[A-Za-z0-9]+/g)].map((m) => m[0]);
      const b64 = [...text.matchAll(/"auth":"([^"]*)"/g)].map((m) => m[1] as string).filter((s) => s.length > 4);
      try {
        const parsed = readDockerConfig(path);
        await onlyCairnErrorsAsync(() => credentialsFromConfig(parsed, host, {}, path));
        await credentialsFromConfig(parsed, host, {}, path).catch((err: CairnError) => {
          for (const s of [...secrets, ...b64]) assert.ok(!err.message.includes(s), `${err.message} quotes a secret`);
        });
      } catch (err) {
        assert.ok(err instanceof CairnError, String(err));
        for (const s of [...secrets, ...b64]) assert.ok(!err.message.includes(s), `${err.message} quotes a secret`);
      }
    }), { numRuns: RUNS });
  });
});
