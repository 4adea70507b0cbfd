import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAscii } from 'node:buffer';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cairn, run } from '../helpers/exec.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { tmpDir } from '../helpers/tmp.js';

// The CLI's contract with users (issue 3): one line naming what is wrong and where, a stable exit
// code, no stack trace for a user error, nothing half written.

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  return lines[0]!;
}

describe('cairn CLI: keys, runs and errors', () => {
  const dir = tmpDir();

  it('generates every key type, with a 0600 private key and no overwrite', () => {
    for (const t of ['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'rsa']) {
      const r = cairn(['key', 'generate', '--type', t, '--out', `k-${t}`], dir);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(statSync(join(dir, `k-${t}`)).mode & 0o777, 0o600);
      assert.ok(existsSync(join(dir, `k-${t}.pub`)));
    }
    const again = cairn(['key', 'generate', '--out', 'k-ed25519'], dir);
    assert.equal(again.status, 2);
    assert.match(oneLine(again.stderr), /k-ed25519: file exists \(hint: give --force to replace it\)/);
  });

  it('encrypts a private key with a passphrase from the environment', () => {
    const env = { ...process.env, PW: 's3cret' };
    let r = cairn(['key', 'generate', '--out', 'enc', '--password-env', 'PW'], dir, env);
    assert.equal(r.status, 0, r.stderr);
    r = cairn(['run', '-n', 's', '-k', 'enc', '-x', '-d', 'enc-out'], dir);
    assert.equal(r.status, 2);
    assert.match(oneLine(r.stderr), /enc: the private key is encrypted and no passphrase was given \(hint: give its passphrase with --password-env VAR\)/);
    r = cairn(['run', '-n', 's', '-k', 'enc', '--password-env', 'PW', '-x', '-d', 'enc-out'], dir, env);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr + r.stdout, /s3cret/);
  });

  it('reports bad key files in one line with exit 2', () => {
    writeFileSync(join(dir, 'garbage.pub'), 'not a key');
    writeFileSync(join(dir, 'broken.json'), '{"keytype": ');
    let r = cairn(['link', 'verify', 'x.link', '--key', 'garbage.pub'], dir);
    assert.equal(r.status, 2);
    assert.match(oneLine(r.stderr), /^cairn: garbage\.pub: not a public key/);
    r = cairn(['run', '-n', 's', '-k', 'broken.json', '-x'], dir);
    assert.equal(r.status, 2);
    assert.match(oneLine(r.stderr), /^cairn: broken\.json: not valid JSON/);
    r = cairn(['run', '-n', 's', '-k', 'k-ed25519.pub', '-x'], dir);
    assert.equal(r.status, 2);
    assert.match(oneLine(r.stderr), /k-ed25519\.pub: not a private key/);
    r = cairn(['run', '-n', 's', '-k', 'missing-key', '-x'], dir);
    assert.equal(r.status, 2);
    assert.match(oneLine(r.stderr), /missing-key: no such file or directory/);
  });

  it('reports a command that does not exist, and writes no link', () => {
    const out = join(dir, 'nocmd');
    const r = cairn(['run', '-n', 's', '-k', 'k-ed25519', '-d', out, '--', 'cairn-no-such-program'], dir);
    assert.equal(r.status, 2);
    assert.match(oneLine(r.stderr), /command not found: cairn-no-such-program/);
    assert.ok(!existsSync(out) || readdirSync(out).length === 0);
  });

  it('records a failing command as a link (its return value says so)', () => {
    const r = cairn(['run', '-n', 'fail', '-k', 'k-ed25519', '-d', 'failing', '--output', 'json', '--', 'sh', '-c', 'exit 4'], dir);
    assert.equal(r.status, 0, r.stderr);
    const link = JSON.parse(r.stdout).link as string;
    assert.match(link, /fail\.[0-9a-f]{8}\.link$/);
  });

  it('rejects usage errors with exit 2', () => {
    let r = cairn(['run', '-k', 'k-ed25519', '-x'], dir);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /step/);
    r = cairn(['frobnicate'], dir);
    assert.equal(r.status, 2);
    r = cairn(['run', '-n', 's', '-k', 'k-ed25519'], dir);
    assert.equal(r.status, 2);
    assert.match(oneLine(r.stderr), /give a command after --, or --no-command/);
  });

  it('fails verification of a tampered link with exit 1', () => {
    let r = cairn(['run', '-n', 'v', '-k', 'k-ecdsa-p256', '-d', 'v', '--', 'true'], dir);
    assert.equal(r.status, 0, r.stderr);
    const f = join('v', readdirSync(join(dir, 'v'))[0]!);
    r = cairn(['link', 'verify', f, '--key', 'k-ecdsa-p256.pub'], dir);
    assert.equal(r.status, 0, r.stderr);
    r = cairn(['link', 'verify', f, '--key', 'k-rsa.pub'], dir);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /FAILED/);
  });
  // tools/bundle.mjs loads string-width (help's column widths) on first use and makes the bundle
  // ASCII; help is where both show: a wrapped, aligned command list, and the same in a narrow
  // terminal.
  it('prints help with aligned, wrapped columns from the bundled CLI', () => {
    assert.ok(isAscii(readFileSync(join(REPO_ROOT, 'dist', 'bundle', 'cli.cjs'))), 'the bundle is ASCII');
    const r = cairn(['--help'], dir, { ...process.env, COLUMNS: '60' });
    assert.equal(r.status, 0, r.stderr);
    const commands = r.stdout.split('\n').filter((l) => /^  cairn \w/.test(l));
    assert.ok(commands.length >= 10, r.stdout);
    const column = commands[0]!.search(/ {2,}\S/);
    for (const l of commands) assert.equal(l.search(/ {2,}\S/), column, `descriptions aligned: ${l}`);
    assert.ok(r.stdout.split('\n').some((l) => /^ {20,}\S/.test(l)), 'long descriptions wrap onto indented lines');
  });

  // bin/cairn.js hands V8 the code cache that `make build` made (tools/code-cache.mjs); V8
  // silently compiles afresh when it does not fit (another node, other V8 flags: a tour that
  // loads the registry client sets --liftoff-only and so stamps the cache with other flags),
  // which costs every command ~35 ms. The shipped pair must fit.
  it('ships a V8 code cache that V8 accepts for the bundle', () => {
    const bundle = join(REPO_ROOT, 'dist', 'bundle');
    const check = `process.stdout.write(String(require(${JSON.stringify(join(bundle, 'loader.cjs'))}).compileBundle(${JSON.stringify(join(bundle, 'cli.cjs'))}).cachedDataRejected))`;
    const { NODE_OPTIONS: _, ...env } = process.env;
    const r = run(process.execPath, ['-e', check], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'false', 'the code cache was rejected');
  });
});
