import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn, DEBIAN_PYTHON, run } from '../helpers/exec.js';
import { loadPublicKey, keyVerifier } from '../../src/crypto/index.js';
import { readSignedDocument, verifyDocument, interpretPayload } from '../../src/intoto/index.js';

// Issue 3's interop promise, with the real Debian in-toto 1.3.1 commands: links that in-toto-run
// writes verify in Cairn, and links that Cairn writes (with keys from in-toto-keygen) pass
// in-toto-verify under a layout signed by in-toto-sign.

const TYPES = ['ed25519', 'ecdsa', 'rsa'] as const;
let dir: string;

// An unsigned two-step layout built with in-toto 1.3.1's own API, so its key entries are exactly
// what 1.3.1 expects; in-toto-sign then signs it.
const MAKE_LAYOUT = `
import sys, json
from securesystemslib import interface
from in_toto.models.layout import Layout
from in_toto.models.metadata import Metablock
imp = {"rsa": interface.import_rsa_publickey_from_file,
       "ed25519": interface.import_ed25519_publickey_from_file,
       "ecdsa": interface.import_ecdsa_publickey_from_file}
out, ktype, pub = sys.argv[1:4]
k = imp[ktype](pub)
layout = Layout.read({"_type": "layout", "expires": "2099-01-01T00:00:00Z", "readme": "",
  "keys": {k["keyid"]: k},
  "steps": [
    {"name": "write-code", "pubkeys": [k["keyid"]], "threshold": 1, "expected_command": [],
     "expected_materials": [], "expected_products": [["CREATE", "src/*"], ["DISALLOW", "*"]]},
    {"name": "package", "pubkeys": [k["keyid"]], "threshold": 1, "expected_command": [],
     "expected_materials": [["MATCH", "src/*", "WITH", "PRODUCTS", "FROM", "write-code"], ["DISALLOW", "*"]],
     "expected_products": [["CREATE", "app.tar"], ["DISALLOW", "*"]]}],
  "inspect": []})
Metablock(signed=layout).dump(out)
`;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-interop-links-'));
  for (const t of TYPES) {
    for (const who of ['owner', 'dev']) {
      const r = run('in-toto-keygen', ['-t', t, ...(t === 'rsa' ? ['-b', '2048'] : []), join(dir, `${t}-${who}`)]);
      assert.equal(r.status, 0, r.stderr);
    }
  }
});

describe('interop with Debian in-toto 1.3.1: links', () => {
  for (const t of TYPES) {
    it(`Cairn verifies a link that in-toto-run wrote with a ${t} key`, () => {
      const ws = mkdtempSync(join(dir, `py-${t}-`));
      mkdirSync(join(ws, 'src'));
      writeFileSync(join(ws, 'src', 'a.py'), 'print(1)\n');
      const r = run('in-toto-run', ['-n', 'build', '-k', join(dir, `${t}-dev`), '-t', t, '-m', 'src', '-p', 'out.txt', '-s', '--', 'sh', '-c', 'echo built > out.txt; echo hi'], { cwd: ws });
      assert.equal(r.status, 0, r.stderr);
      const linkFile = readdirSync(ws).find((f) => f.endsWith('.link'))!;
      const pub = loadPublicKey(readFileSync(join(dir, `${t}-dev.pub`), 'utf8'));
      assert.equal(linkFile, `build.${pub.keyId.slice(0, 8)}.link`, 'Cairn computes the keyid in-toto names the file by');

      const doc = readSignedDocument(readFileSync(join(ws, linkFile)), linkFile);
      const verified = verifyDocument(doc, [keyVerifier(pub)], linkFile);
      assert.deepEqual(verified.signers.map((k) => k.fingerprint), [pub.fingerprint]);
      const payload = interpretPayload(verified.body, linkFile);
      assert.equal(payload.kind, 'link');
      if (payload.kind === 'link') {
        assert.deepEqual(Object.keys(payload.link.materials), ['src/a.py']);
        assert.equal(payload.link.byproducts['stdout'], 'hi\n');
      }

      const cli = cairn(['link', 'verify', linkFile, '--key', join(dir, `${t}-dev.pub`)], ws);
      assert.equal(cli.status, 0, cli.stderr);
      assert.match(cli.stdout, /: ok \(legacy link build/);
      const other = cairn(['link', 'verify', linkFile, '--key', join(dir, `${t}-owner.pub`)], ws);
      assert.equal(other.status, 1, 'a link is not accepted for a key that did not sign it');
    });

    it(`in-toto-verify accepts Cairn's links signed with an in-toto-keygen ${t} key`, () => {
      const ws = mkdtempSync(join(dir, `cairn-${t}-`));
      let r = run(DEBIAN_PYTHON, ['-c', MAKE_LAYOUT, join(ws, 'unsigned.layout'), t, join(dir, `${t}-dev.pub`)]);
      assert.equal(r.status, 0, r.stderr);
      r = run('in-toto-sign', ['-f', join(ws, 'unsigned.layout'), '-k', join(dir, `${t}-owner`), '-t', t, '-o', join(ws, 'root.layout')]);
      assert.equal(r.status, 0, r.stderr);

      const key = join(dir, `${t}-dev`);
      r = cairn(['run', '-n', 'write-code', '-k', key, '-p', 'src', '--', 'sh', '-c', 'mkdir src && echo "x = 1" > src/x.py'], ws);
      assert.equal(r.status, 0, r.stderr);
      r = cairn(['run', '-n', 'package', '-k', key, '-m', 'src', '-p', 'app.tar', '--', 'tar', 'cf', 'app.tar', 'src'], ws);
      assert.equal(r.status, 0, r.stderr);

      const verifyDir = mkdtempSync(join(dir, `verify-${t}-`));
      for (const f of readdirSync(ws)) if (f.endsWith('.link') || f === 'root.layout') cpSync(join(ws, f), join(verifyDir, f));
      cpSync(join(dir, `${t}-owner.pub`), join(verifyDir, 'owner.pub'));
      r = run('in-toto-verify', ['-l', 'root.layout', '-k', 'owner.pub', '-t', t], { cwd: verifyDir });
      assert.equal(r.status, 0, `in-toto-verify rejected Cairn's links:\n${r.stdout}${r.stderr}`);

      // and it notices when Cairn's link is changed after signing
      const pkg = readdirSync(verifyDir).find((f) => f.startsWith('package.'))!;
      writeFileSync(join(verifyDir, pkg), readFileSync(join(verifyDir, pkg), 'utf8').replace('"app.tar"', '"app.taz"'));
      r = run('in-toto-verify', ['-l', 'root.layout', '-k', 'owner.pub', '-t', t], { cwd: verifyDir });
      assert.equal(r.status, 1, 'a tampered link must fail in-toto-verify');
    });
  }

  it('records the same artifacts as in-toto-run (excludes, lstrip, symlinks, nesting)', () => {
    const ws = mkdtempSync(join(dir, 'tree-'));
    const tree: Record<string, string> = {
      'a/b/c.txt': 'c', 'a/keep.pyc': 'pyc', 'a/x~': 'backup', 'a/.git/HEAD': 'ref', 'a/foo.link': 'l',
      'a/sub/deep/d.bin': 'd', 'top.txt': 't', 'a/[x].txt': 'bracket', 'a/sp ace.txt': 's',
    };
    for (const [p, c] of Object.entries(tree)) {
      mkdirSync(join(ws, p, '..'), { recursive: true });
      writeFileSync(join(ws, p), c);
    }
    run('ln', ['-s', 'b/c.txt', join(ws, 'a/link-to-file')]);
    run('ln', ['-s', 'sub', join(ws, 'a/link-to-dir')]);
    run('ln', ['-s', 'nowhere', join(ws, 'a/dangling')]);
    const variants: string[][] = [
      ['-p', 'a', 'top.txt'],
      ['-p', 'a', '--exclude', 'sub', '*.txt'],
      ['-p', 'a', '--lstrip-paths', 'a/'],
      ['-p', 'a/b', 'a/sub', '--lstrip-paths', 'a/b/', 'a/sub/'],
      ['-p', './a/../a/b/', 'missing-file'],
    ];
    const key = join(dir, 'ed25519-dev');
    for (const [i, v] of variants.entries()) {
      const pyOut = join(ws, `py${i}`);
      const cOut = join(ws, `c${i}`);
      mkdirSync(pyOut);
      mkdirSync(cOut);
      let r = run('in-toto-run', ['-n', `s${i}`, '-k', key, '-t', 'ed25519', '-x', '-d', pyOut, ...v], { cwd: ws });
      assert.equal(r.status, 0, r.stderr);
      // in-toto-run 1.3.1 always follows symlinked directories (runlib passes
      // follow_symlink_dirs=True); Cairn, like in-toto-golang, does so only when asked.
      r = cairn(['run', '-n', `s${i}`, '-k', key, '-x', '-d', cOut, '--follow-symlink-dirs', ...v], ws);
      assert.equal(r.status, 0, r.stderr);
      const products = (d: string) => JSON.parse(readFileSync(join(d, readdirSync(d)[0]!), 'utf8')).signed.products;
      assert.deepEqual(products(cOut), products(pyOut), `variant ${v.join(' ')}`);
    }
    const plain = join(ws, 'plain');
    mkdirSync(plain);
    const r = cairn(['run', '-n', 'p', '-k', key, '-x', '-d', plain, '-p', 'a'], ws);
    assert.equal(r.status, 0, r.stderr);
    const recorded = Object.keys(JSON.parse(readFileSync(join(plain, readdirSync(plain)[0]!), 'utf8')).signed.products);
    assert.ok(recorded.includes('a/link-to-file'), 'symlinked files are hashed');
    assert.ok(!recorded.some((p) => p.startsWith('a/link-to-dir/')), 'symlinked directories are not followed by default');
  });
});
