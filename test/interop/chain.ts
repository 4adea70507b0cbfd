import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPublicKey } from '../../src/crypto/index.js';
import { CAIRN_BIN } from '../helpers/paths.js';
import { DEBIAN_PYTHON } from '../helpers/exec.js';

// Helpers for the differential tests: async child processes with a concurrency limit, keys
// made by in-toto-keygen, unsigned layouts built with the in_toto 1.3.1 Python API and signed
// with in-toto-sign, and both verifiers run on scratch copies of a case directory.

export interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a program without blocking the event loop; never rejects on a non-zero exit. */
export function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? 128, stdout, stderr }));
  });
}

/** Runs `sh` and asserts success. */
export async function must(cmd: string, args: string[], cwd: string): Promise<Ran> {
  const r = await sh(cmd, args, cwd);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r;
}

/** Runs async tasks, at most `n` at a time, keeping their order in the result. */
export async function pool<T>(tasks: (() => Promise<T>)[], n = 2): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, worker));
  return out;
}

export type KeyType = 'ed25519' | 'ecdsa' | 'rsa';

/** Keys made by in-toto-keygen in `dir`: private key path, public key path, type, legacy keyid. */
export interface KeyRing {
  priv(name: string): string;
  pub(name: string): string;
  type(name: string): KeyType;
  id8(name: string): string;
}

export async function makeKeys(dir: string, spec: Record<string, KeyType>): Promise<KeyRing> {
  await pool(Object.entries(spec).map(([name, t]) => () => must('in-toto-keygen', ['-t', t, ...(t === 'rsa' ? ['-b', '2048'] : []), join(dir, name)], dir)));
  const ids = new Map(Object.keys(spec).map((n) => [n, loadPublicKey(readFileSync(join(dir, `${n}.pub`), 'utf8')).keyId]));
  return {
    priv: (n) => join(dir, n),
    pub: (n) => join(dir, `${n}.pub`),
    type: (n) => spec[n]!,
    id8: (n) => ids.get(n)!.slice(0, 8),
  };
}

/** A step or inspection as the layout builder takes it (keys by name). */
export interface ItemSpec {
  name: string;
  pubkeys?: string[];
  threshold?: number;
  expected_command?: string[];
  expected_materials?: string[][];
  expected_products?: string[][];
  run?: string[];
}

export interface LayoutSpec {
  out: string;
  expires?: string;
  steps: ItemSpec[];
  inspect?: ItemSpec[];
}

// Builds unsigned layouts with in-toto 1.3.1's own model classes, so that their key entries
// and validation are exactly what 1.3.1 makes.
const BUILD_LAYOUTS = `
import sys, json
from securesystemslib import interface
from in_toto.models.layout import Layout
from in_toto.models.metadata import Metablock
spec = json.load(open(sys.argv[1]))
imp = {"rsa": interface.import_rsa_publickey_from_file,
       "ed25519": interface.import_ed25519_publickey_from_file,
       "ecdsa": interface.import_ecdsa_publickey_from_file}
keys = {n: imp[t](p) for n, (p, t) in spec["keys"].items()}
for L in spec["layouts"]:
    used = {}
    steps = []
    for s in L["steps"]:
        s = dict(s, _type="step")
        for n in s.get("pubkeys", []): used[keys[n]["keyid"]] = keys[n]
        s["pubkeys"] = [keys[n]["keyid"] for n in s.get("pubkeys", [])]
        steps.append(s)
    inspect = [dict(i, _type="inspection") for i in L.get("inspect", [])]
    layout = Layout.read({"_type": "layout", "expires": L.get("expires", "2099-01-01T00:00:00Z"),
                          "readme": "cairn differential test", "keys": used, "steps": steps, "inspect": inspect})
    Metablock(signed=layout).dump(L["out"])
`;

/** Writes unsigned layouts (one Python process for all of them). */
export async function buildLayouts(work: string, keys: KeyRing, names: string[], layouts: LayoutSpec[]): Promise<void> {
  const spec = { keys: Object.fromEntries(names.map((n) => [n, [keys.pub(n), keys.type(n)]])), layouts };
  const specFile = join(work, `layouts-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const script = join(work, 'build_layouts.py');
  writeFileSync(script, BUILD_LAYOUTS);
  writeFileSync(specFile, JSON.stringify(spec));
  await must(DEBIAN_PYTHON, [script, specFile], work);
}

/** Signs a layout (or link) file in place with in-toto-sign. */
export async function sign(file: string, keys: KeyRing, signers: string[], out?: string): Promise<void> {
  await must('in-toto-sign', ['-f', file, '-k', ...signers.map((s) => keys.priv(s)), '-t', ...signers.map((s) => keys.type(s)), ...(out ? ['-o', out] : [])], join(file, '..'));
}

/** Copies a case directory to a fresh scratch directory (inspections write into it). */
export function scratch(caseDir: string, root: string): string {
  const d = mkdtempSync(join(root, 'run-'));
  cpSync(caseDir, d, { recursive: true });
  return d;
}

/** in-toto-verify 1.3.1 on a scratch copy: true when it passes. */
export async function intotoVerify(caseDir: string, root: string, keys: KeyRing, layoutKeys: string[]): Promise<Ran> {
  const d = scratch(caseDir, root);
  return sh('in-toto-verify', ['-l', 'root.layout', '-k', ...layoutKeys.map((k) => keys.pub(k)), '-t', ...layoutKeys.map((k) => keys.type(k)), '--link-dir', 'links'], d);
}

/** cairn verify on a scratch copy. */
export async function cairnVerify(caseDir: string, root: string, keys: KeyRing, layoutKeys: string[], extra: string[] = []): Promise<Ran> {
  const d = scratch(caseDir, root);
  return sh(process.execPath, [CAIRN_BIN, 'verify', '--layout', 'root.layout', ...layoutKeys.flatMap((k) => ['--layout-key', keys.pub(k)]), '--link-dir', 'links', ...extra], d);
}

// in_toto 1.3.1's verifylib with substitution parameters (its CLI has no option for them).
const VERIFY_WITH_PARAMS = `
import sys, json
from securesystemslib import interface
from in_toto import verifylib
from in_toto.models.metadata import Metablock
imp = {"rsa": interface.import_rsa_publickey_from_file,
       "ed25519": interface.import_ed25519_publickey_from_file,
       "ecdsa": interface.import_ecdsa_publickey_from_file}
layout, pub, ktype, params = sys.argv[1:5]
k = imp[ktype](pub)
try:
    verifylib.in_toto_verify(Metablock.load(layout), {k["keyid"]: k}, "links", substitution_parameters=json.loads(params))
except Exception as e:
    print("FAIL %s: %s" % (type(e).__name__, e))
    sys.exit(1)
print("PASS")
`;

/** in-toto 1.3.1's API with substitution parameters, on a scratch copy. */
export async function intotoVerifyWithParams(caseDir: string, root: string, keys: KeyRing, layoutKey: string, params: Record<string, string>): Promise<Ran> {
  const d = scratch(caseDir, root);
  writeFileSync(join(root, 'verify_params.py'), VERIFY_WITH_PARAMS);
  return sh(DEBIAN_PYTHON, [join(root, 'verify_params.py'), 'root.layout', keys.pub(layoutKey), keys.type(layoutKey), JSON.stringify(params)], d);
}
