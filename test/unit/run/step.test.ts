import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execCommand, recordStart, recordStop, runStep, writeSignedLink, unfinishedLinkName } from '../../../src/run/index.js';
import { generateKey, keyVerifier } from '../../../src/crypto/index.js';
import { interpretPayload, readSignedDocument, verifyDocument } from '../../../src/intoto/index.js';
import { sha256Hex } from '../../../src/digest/index.js';
import { tmpDir, writeTree } from '../../helpers/tmp.js';
import { assertCairnError } from '../../helpers/assert.js';

describe('running steps', () => {
  it('records byproducts: stdout, stderr and the exit code', async () => {
    const b = await execCommand(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.deepEqual(b, { 'return-value': 3, stdout: 'out\n', stderr: 'err\n' });
    const quiet = await execCommand(['sh', '-c', 'echo out'], { recordStreams: false });
    assert.deepEqual(quiet, { 'return-value': 0, stdout: '', stderr: '' });
  });

  it('reports death by signal as a negative return value, like Python', async () => {
    const b = await execCommand(['sh', '-c', 'kill -TERM $$']);
    assert.equal(b['return-value'], -15);
  });

  it('says when a command does not exist', async () => {
    await assertCairnError(() => execCommand(['cairn-no-such-command-x']), 'COMMAND_FAILED', /command not found: cairn-no-such-command-x/);
  });

  it('hashes materials before and products after the command', async () => {
    const dir = tmpDir();
    writeTree(dir, { 'in.txt': 'before' });
    const link = await runStep({
      name: 'build', cwd: dir, basePath: dir, materials: ['in.txt'], products: ['in.txt'],
      command: ['sh', '-c', 'echo after > in.txt'],
    });
    assert.equal(link.materials['in.txt']!['sha256'], sha256Hex('before'));
    assert.equal(link.products['in.txt']!['sha256'], sha256Hex('after\n'));
    assert.deepEqual(link.command, ['sh', '-c', 'echo after > in.txt']);
  });

  for (const format of ['legacy', 'dsse'] as const) {
    it(`writes a ${format} link that verifies and names the step`, async () => {
      const dir = tmpDir();
      const key = generateKey('ed25519');
      const link = await runStep({ name: 'pkg', command: [] });
      const { path } = await writeSignedLink(link, key, format, dir);
      assert.equal(path, join(dir, `pkg.${key.publicKey.keyId.slice(0, 8)}.${format === 'legacy' ? 'link' : 'intoto.jsonl'}`));
      const v = verifyDocument(readSignedDocument(readFileSync(path)), [keyVerifier(key.publicKey)]);
      assert.equal(v.signers.length, 1);
      const p = interpretPayload(v.body);
      assert.equal(p.kind, 'link');
      assert.equal(p.kind === 'link' && p.link.name, 'pkg');
      assert.deepEqual(readdirSync(dir), [path.slice(dir.length + 1)], 'no temp files left behind');
    });
  }

  it('records a step in two halves and removes the unfinished link', async () => {
    const dir = tmpDir();
    writeTree(dir, { 'src/a': 'a' });
    const key = generateKey('ecdsa-p256');
    const started = await recordStart({ name: 'edit', materials: ['src'], basePath: dir }, key, dir);
    assert.equal(started, join(dir, unfinishedLinkName('edit', key.publicKey.keyId)));
    writeTree(dir, { 'src/a': 'changed' });
    const { path } = await recordStop({ name: 'edit', products: ['src'], basePath: dir }, key, 'legacy', dir);
    assert.ok(!existsSync(started));
    const signed = JSON.parse(readFileSync(path, 'utf8')).signed;
    assert.equal(signed.materials['src/a'].sha256, sha256Hex('a'));
    assert.equal(signed.products['src/a'].sha256, sha256Hex('changed'));
  });

  it('refuses to stop a step started with another key', async () => {
    const dir = tmpDir();
    const a = generateKey('ed25519');
    const b = generateKey('ed25519');
    await recordStart({ name: 'edit' }, a, dir);
    await assertCairnError(() => recordStop({ name: 'edit' }, b, 'legacy', dir), 'FILE_NOT_FOUND');
  });

  it('refuses an unfinished link that was changed after it was signed', async () => {
    const dir = tmpDir();
    writeTree(dir, { 'm': 'm' });
    const a = generateKey('ed25519');
    const path = await recordStart({ name: 'edit', materials: ['m'], basePath: dir }, a, dir);
    writeTree(dir, { [path.slice(dir.length + 1)]: readFileSync(path, 'utf8').replace('"m"', '"n"') });
    await assertCairnError(() => recordStop({ name: 'edit' }, a, 'legacy', dir), 'SIGNATURE_INVALID', /not signed by this key/);
  });
});
