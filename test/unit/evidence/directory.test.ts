import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeOrigin, DirectoryEvidenceSource, openEvidence } from '../../../src/evidence/index.js';
import { linkFileName, serializeDocument, type Step } from '../../../src/intoto/index.js';
import { newKeyId } from '../../../src/crypto/index.js';
import { tmpDir } from '../../helpers/tmp.js';
import { arts, key, link } from '../verify/fixtures.js';

const bob = key('bob');
const carl = key('carl');
const step = (name: string, extra: Partial<Step> = {}): Step => ({
  _type: 'step', name, threshold: 1, pubkeys: [], expected_command: [], expected_materials: [], expected_products: [], ...extra,
});
const auth = (k: typeof bob) => ({ keyId: k.publicKey.keyId, key: k.publicKey });

describe('DirectoryEvidenceSource', () => {
  it('finds legacy, DSSE-in-.link and .intoto.jsonl files for every keyid form of the authorised keys', async () => {
    const dir = tmpDir();
    const l = await link('build', bob, {}, arts({ a: 'a' }));
    const d = await link('build', bob, {}, arts({ a: 'a' }), 'dsse');
    writeFileSync(join(dir, linkFileName('build', bob.publicKey.keyId, 'legacy')), serializeDocument(l));
    writeFileSync(join(dir, linkFileName('build', bob.publicKey.keyId, 'dsse')), serializeDocument(d));
    const id2 = newKeyId({ keytype: 'ed25519', scheme: 'ed25519', public: bob.publicKey.publicValue });
    writeFileSync(join(dir, `build.${id2.slice(0, 8)}.link`), serializeDocument(d));
    writeFileSync(join(dir, linkFileName('build', carl.publicKey.keyId, 'legacy')), serializeDocument(l));
    writeFileSync(join(dir, linkFileName('builder', bob.publicKey.keyId, 'legacy')), serializeDocument(l));
    writeFileSync(join(dir, 'build.link'), serializeDocument(l));
    const src = new DirectoryEvidenceSource(dir);
    const items = (await src.candidatesFor(step('build'), [auth(bob)])).flatMap(openEvidence);
    assert.deepEqual(items.map((i) => [describeOrigin(i.origin).slice(dir.length + 1), i.document?.format]).sort(), [
      [`build.${bob.publicKey.keyId.slice(0, 8)}.intoto.jsonl`, 'dsse'],
      [`build.${bob.publicKey.keyId.slice(0, 8)}.link`, 'legacy'],
      [`build.${id2.slice(0, 8)}.link`, 'dsse'],
    ].sort());
    const any = await src.candidatesFor(step('build', { cert_constraints: [{ common_name: '*', dns_names: [], emails: [], organizations: [], roots: [], uris: [] }] }), [auth(bob)]);
    assert.equal(any.length, 4, 'a step with certificate constraints reads every keyid prefix');
  });

  it('reports unreadable candidates instead of failing the whole read, and skips junk bundle lines', async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, `x.${bob.publicKey.keyId.slice(0, 8)}.link`), '{ not json');
    writeFileSync(join(dir, `x.${bob.publicKey.keyId.slice(0, 8)}.intoto.jsonl`), `junk\n${serializeDocument(await link('x', bob, {}, {}, 'dsse'))}\n`);
    const items = (await new DirectoryEvidenceSource(dir).candidatesFor(step('x'), [auth(bob)])).flatMap(openEvidence);
    assert.equal(items.length, 2);
    assert.equal(items.filter((i) => i.error?.code === 'SCHEMA_INVALID').length, 1);
    assert.equal(items.filter((i) => i.document?.format === 'dsse').length, 1);
  });

  it('has no candidates for a missing directory, and finds sublayout links in <step>.<keyid8>/', async () => {
    const dir = tmpDir();
    assert.deepEqual(await new DirectoryEvidenceSource(join(dir, 'nope')).candidatesFor(step('x'), [auth(bob)]), []);
    const sub = join(dir, `outer.${bob.publicKey.keyId.slice(0, 8)}`);
    mkdirSync(sub);
    writeFileSync(join(sub, linkFileName('inner', carl.publicKey.keyId, 'legacy')), serializeDocument(await link('inner', carl, {}, {})));
    const nested = new DirectoryEvidenceSource(dir).forSublayout(step('outer'), auth(bob));
    assert.equal(nested.description, sub);
    assert.equal((await nested.candidatesFor(step('inner'), [auth(carl)])).length, 1);
    const outside = join(dir, `x.${bob.publicKey.keyId.slice(0, 8)}`);
    mkdirSync(outside);
    writeFileSync(join(outside, linkFileName('inner', carl.publicKey.keyId, 'legacy')), serializeDocument(await link('inner', carl, {}, {})));
    const escape = new DirectoryEvidenceSource(join(dir, 'links')).forSublayout(step('../x'), auth(bob));
    assert.deepEqual(await escape.candidatesFor(step('inner'), [auth(carl)]), [], 'a step name cannot lead out of the link directory');
  });

  it('hands files on unread, with their size; a file gone or turned into a directory by then holds nothing', async () => {
    const dir = tmpDir();
    const name = linkFileName('x', bob.publicKey.keyId, 'legacy');
    const text = serializeDocument(await link('x', bob, {}, {}));
    writeFileSync(join(dir, name), text);
    writeFileSync(join(dir, `x.${bob.publicKey.keyId.slice(0, 8)}.intoto.jsonl`), '');
    const items = await new DirectoryEvidenceSource(dir).candidatesFor(step('x'), [auth(bob)]);
    assert.deepEqual(items.map((i) => [i.document, i.unopened?.bundle, i.unopened?.size]).sort(), [[undefined, false, Buffer.byteLength(text)], [undefined, true, 0]].sort());
    const opened = items.flatMap(openEvidence);
    assert.equal(opened.find((i) => describeOrigin(i.origin).endsWith('.jsonl'))?.error?.message.endsWith('the bundle holds no DSSE envelope'), true);
    rmSync(join(dir, name));
    mkdirSync(join(dir, name));
    rmSync(join(dir, `x.${bob.publicKey.keyId.slice(0, 8)}.intoto.jsonl`));
    assert.deepEqual(items.flatMap(openEvidence), []);
  });
});
