import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPublicKey } from '../../src/crypto/index.js';
import { readSignedDocument } from '../../src/intoto/index.js';
import { failureLine, LocalInspectionRunner, verifyLayout, type Check } from '../../src/verify/index.js';
import { DirectoryEvidenceSource } from '../../src/evidence/index.js';
import { CAIRN_BIN, UPSTREAM } from '../helpers/paths.js';
import { DEBIAN_PYTHON } from '../helpers/exec.js';
import { sh } from './chain.js';

// Every case of testdata/upstream/MANIFEST.json (Debian in-toto 1.3.1, in-toto-golang and
// in-toto Python data) through the library and through the CLI, inspections run in a scratch
// copy of the link directory. Each must reach `expected`, fail at the check the failure class
// names, and in-toto-golang's ITE-7 demo.layout (which 1.3.1 wrongly rejects) must pass.

interface ManifestCase {
  case: string;
  layout: string;
  layoutKeys: string[];
  linkDir: string;
  expected: 'pass' | 'fail';
  failure?: string;
  failedAt?: string;
  hasInspection: boolean;
}

const manifest = JSON.parse(readFileSync(join(UPSTREAM, 'MANIFEST.json'), 'utf8')) as { cases: ManifestCase[] };
const root = mkdtempSync(join(tmpdir(), 'cairn-upstream-'));
after(() => rmSync(root, { recursive: true, force: true }));

// in-toto Python's demo layout runs `python ./scripts/tar xfz foo.tar.gz` (upstream's 3-line
// helper, not copied because it is code): a stand-in and a `python` on PATH, as derive.sh does.
const bin = join(root, 'bin');
mkdirSync(bin);
symlinkSync(DEBIAN_PYTHON, join(bin, 'python'));
const env = { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}` };

function workDir(c: ManifestCase): string {
  const d = mkdtempSync(join(root, 'case-'));
  cpSync(join(UPSTREAM, c.linkDir), d, { recursive: true });
  if (c.case.startsWith('in-toto-python/')) {
    mkdirSync(join(d, 'scripts'));
    writeFileSync(join(d, 'scripts', 'tar'), 'import sys, tarfile\ntarfile.open(sys.argv[2], "r:*").extractall()\n');
  }
  return d;
}

// Which check a MANIFEST failure class must come from.
function expectedCheck(c: ManifestCase): { checks: Check['check'][]; item?: string; queue?: string } {
  const at = (c.failedAt ?? '').split(' ');
  switch (c.failure) {
    case 'bad-layout-signature':
      return { checks: ['layout-signatures'] };
    case 'layout-expired':
      return { checks: ['layout-expiry'] };
    case 'rule-violation':
      return { checks: at[0] === 'inspection' ? ['inspection-rules'] : ['step-rules'], item: at[1], queue: at[2]?.replace('expected_', '') };
    default:
      return { checks: ['step-evidence'], item: at[1] };
  }
}

describe('upstream interop cases (testdata/upstream/MANIFEST.json)', () => {
  it('has the 24 cases', () => assert.equal(manifest.cases.length, 24));

  for (const c of manifest.cases) {
    it(`${c.case}: ${c.expected} (library)`, async () => {
      const dir = workDir(c);
      const runner = new LocalInspectionRunner({ workDir: dir, env });
      try {
        const r = await verifyLayout({
          layout: readSignedDocument(readFileSync(join(UPSTREAM, c.layout)), c.layout),
          layoutKeys: c.layoutKeys.map((k) => loadPublicKey(readFileSync(join(UPSTREAM, k), 'utf8'), k)),
          evidence: new DirectoryEvidenceSource(dir),
          inspections: runner,
          origin: c.layout,
        });
        assert.equal(r.verdict, c.expected, failureLine(r));
        if (c.expected === 'fail') {
          const want = expectedCheck(c);
          assert.ok(want.checks.includes(r.failure!.check), `${r.failure!.check}: ${failureLine(r)}`);
          if (want.item) assert.equal(r.failure!.item, want.item);
          if (want.queue) assert.equal(r.failure!.check === 'step-rules' || r.failure!.check === 'inspection-rules' ? r.failure!.queue : undefined, want.queue);
        } else if (c.hasInspection) {
          assert.ok(r.checks.some((k) => k.check === 'inspection-run' && k.verdict === 'pass'), 'the inspection ran');
        }
      } finally {
        runner.dispose();
      }
    });

    it(`${c.case}: ${c.expected} (cairn verify)`, async () => {
      const dir = workDir(c);
      const keys = c.layoutKeys.flatMap((k) => ['--layout-key', join(UPSTREAM, k)]);
      const r = await sh(process.execPath, [CAIRN_BIN, 'verify', '--layout', join(UPSTREAM, c.layout), ...keys, '--link-dir', dir, '--work-dir', dir], dir, env);
      assert.equal(r.status, c.expected === 'pass' ? 0 : 1, r.stdout + r.stderr);
      assert.match(r.stdout.trim().split('\n').pop()!, c.expected === 'pass' ? /^PASS: / : /^FAIL: /);
    });
  }

  it('the tarball-replaced case is caught by the inspection, and names the artifact', async () => {
    const c = manifest.cases.find((x) => x.case === 'debian-1.3.1/ed25519-fail-tarball-replaced')!;
    const dir = workDir(c);
    const r = await sh(process.execPath, [CAIRN_BIN, 'verify', '--layout', 'root.layout', '--layout-key', 'alice.pub', '--output', 'json'], dir, env);
    assert.equal(r.status, 1);
    const report = JSON.parse(r.stdout) as { failure: Check };
    const f = report.failure;
    assert.ok(f.check === 'inspection-rules');
    assert.deepEqual([f.item, f.rule, f.artifacts, f.code], ['untar', 'DISALLOW *', ['demo-project.tar.gz'], 'RULE_VIOLATION']);
  });
});
