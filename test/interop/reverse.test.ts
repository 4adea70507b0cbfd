import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAIRN_BIN } from '../helpers/paths.js';
import { makeKeys, must, sh, type KeyType } from './chain.js';

// The other direction: a layout made by `cairn layout create` and signed by `cairn layout sign
// --format legacy`, links made by `cairn run`, all with in-toto-keygen keys, pass Debian's
// in-toto-verify 1.3.1 (and cairn verify), and a tampered link fails both. The DSSE variant
// of the same chain, which 1.3.1 cannot read, passes cairn verify. The layouts are made with
// --no-image: the image inspection (`cairn:image`) is Cairn's, and in-toto-verify would run it
// as a command.

const root = mkdtempSync(join(tmpdir(), 'cairn-reverse-'));
after(() => rmSync(root, { recursive: true, force: true }));
const cairn = (args: string[], cwd: string) => must(process.execPath, [CAIRN_BIN, ...args], cwd);

describe('in-toto-verify 1.3.1 accepts what Cairn writes', () => {
  for (const t of ['ed25519', 'ecdsa', 'rsa'] as KeyType[]) {
    it(`a Cairn layout and Cairn links with ${t} keys`, async () => {
      const dir = join(root, t);
      mkdirSync(dir);
      const keys = await makeKeys(dir, { owner: t, dev: t, ops: 'ed25519' });
      const ws = join(dir, 'ws');
      mkdirSync(ws);
      await cairn(['run', '-n', 'write', '-k', keys.priv('dev'), '-p', 'src', '--', 'sh', '-c', 'mkdir -p src && echo hi > src/a.py'], ws);
      await cairn(['run', '-n', 'package', '-k', keys.priv('ops'), '-m', 'src', '-p', 'app.tar', '--', 'tar', '--mtime=@0', '-cf', 'app.tar', 'src'], ws);
      await cairn(['layout', 'create', '--no-image', '--step', `write=${keys.pub('dev')}`, '--step', `package=${keys.pub('ops')}`, '--expires', '1y', '--out', 'root.layout'], ws);
      await cairn(['layout', 'check', 'root.layout'], ws);
      await cairn(['layout', 'sign', 'root.layout', '--key', keys.priv('owner'), '--format', 'legacy'], ws);
      const ref = await sh('in-toto-verify', ['-l', 'root.layout', '-k', keys.pub('owner'), '-t', t], ws);
      assert.equal(ref.status, 0, ref.stderr);
      const ours = await sh(process.execPath, [CAIRN_BIN, 'verify', '-l', 'root.layout', '-k', keys.pub('owner')], ws);
      assert.equal(ours.status, 0, ours.stdout + ours.stderr);

      const link = join(ws, `package.${keys.id8('ops')}.link`);
      const mb = JSON.parse(readFileSync(link, 'utf8'));
      mb.signed.products['app.tar'].sha256 = '0'.repeat(64);
      writeFileSync(link, JSON.stringify(mb, null, 1));
      assert.equal((await sh('in-toto-verify', ['-l', 'root.layout', '-k', keys.pub('owner'), '-t', t], ws)).status, 1);
      assert.equal((await sh(process.execPath, [CAIRN_BIN, 'verify', '-l', 'root.layout', '-k', keys.pub('owner')], ws)).status, 1);
    });
  }

  it('the same chain in DSSE (layout envelope, .intoto.jsonl links) passes cairn verify', async () => {
    const dir = join(root, 'dsse');
    mkdirSync(dir);
    const keys = await makeKeys(dir, { owner: 'ecdsa', dev: 'ed25519' });
    const ws = join(dir, 'ws');
    mkdirSync(ws);
    await cairn(['run', '-n', 'write', '-k', keys.priv('dev'), '-p', 'src', '--format', 'dsse', '--', 'sh', '-c', 'mkdir -p src && echo hi > src/a.py'], ws);
    await cairn(['run', '-n', 'package', '-k', keys.priv('dev'), '-m', 'src', '-p', 'app.tar', '--format', 'dsse', '--', 'tar', '--mtime=@0', '-cf', 'app.tar', 'src'], ws);
    await cairn(['layout', 'create', '--no-image', '--key', keys.pub('dev'), '--step', 'write', '--step', 'package', '--out', 'root.layout'], ws);
    await cairn(['layout', 'sign', 'root.layout', '--key', keys.priv('owner'), '--format', 'dsse'], ws);
    const ours = await sh(process.execPath, [CAIRN_BIN, 'verify', '-l', 'root.layout', '-k', keys.pub('owner')], ws);
    assert.equal(ours.status, 0, ours.stdout + ours.stderr);
    const ref = await sh('in-toto-verify', ['-l', 'root.layout', '-k', keys.pub('owner'), '-t', 'ecdsa'], ws);
    assert.equal(ref.status, 1, 'in-toto 1.3.1 has no DSSE');
  });
});
