import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeStore, openStore, parseReference } from '../../src/oci/index.js';
import { runCairn, useRegistry } from '../helpers/registry.js';
import { buildImage, pushImage } from '../helpers/image.js';
import { tmpDir } from '../helpers/tmp.js';

// cairn login / logout against the real registry (htpasswd over TLS): credentials are checked
// before anything is stored; config.json is written 0600 with its other fields kept, or the
// configured credential helper stores them; registry commands then find them; logout removes
// them. podman's and skopeo's auth.json are read too (REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR).

const registry = useRegistry({ auth: true, tls: true });
const tmp = tmpDir('cairn-login-');
let ref = '';

// An environment whose only credential sources are the ones a test puts there.
function isolatedEnv(name: string, extra: NodeJS.ProcessEnv = {}): { env: NodeJS.ProcessEnv; dockerDir: string } {
  const home = join(tmp, name);
  const dockerDir = join(home, '.docker');
  mkdirSync(home, { recursive: true });
  const { REGISTRY_AUTH_FILE: _a, XDG_RUNTIME_DIR: _b, XDG_CONFIG_HOME: _c, DOCKER_CONFIG: _d, ...rest } = process.env;
  return { env: { ...rest, HOME: home, DOCKER_CONFIG: dockerDir, ...extra }, dockerDir };
}

describe('cairn login and logout', () => {
  before(async () => {
    const r = registry();
    const store = await openStore(parseReference(`${r.host}/secure/login`), { username: r.user, password: r.password, ca: readFileSync(r.caFile as string, 'utf8') });
    await pushImage(store, await buildImage('login'), 'v1');
    await closeStore(store);
    ref = `${r.host}/secure/login:v1`;
  });

  it('refuses wrong credentials without storing anything', async () => {
    const r = registry();
    const { env, dockerDir } = isolatedEnv('wrong');
    const res = await runCairn(['login', r.host, '--ca-file', r.caFile!, '-u', r.user!, '--password-stdin'], { input: 'not-the-password\n', env });
    assert.equal(res.code, 3, res.stderr);
    assert.match(res.stderr, /credentials rejected/);
    assert.ok(!existsSync(join(dockerDir, 'config.json')), 'nothing stored');
  });

  it('stores checked credentials in config.json (0600, other fields kept); commands use them; logout removes them', async () => {
    const r = registry();
    const { env, dockerDir } = isolatedEnv('file');
    mkdirSync(dockerDir, { recursive: true });
    writeFileSync(join(dockerDir, 'config.json'), JSON.stringify({ psFormat: 'table {{.ID}}', auths: { 'other.example': { auth: 'b3RoZXI6cHc=' } } }), { mode: 0o644 });
    const before = await runCairn(['discover', ref, '--ca-file', r.caFile!], { env });
    assert.equal(before.code, 3);
    assert.match(before.stderr, /authentication required/);

    const res = await runCairn(['login', r.host, '--ca-file', r.caFile!, '-u', r.user!, '--password-stdin'], { input: `${r.password}\n`, env });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout.trim(), 'Login Succeeded');
    assert.ok(!(res.stdout + res.stderr).includes(r.password!), 'the password is never printed');
    const path = join(dockerDir, 'config.json');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const config = JSON.parse(readFileSync(path, 'utf8')) as { psFormat: string; auths: Record<string, { auth: string }> };
    assert.equal(config.psFormat, 'table {{.ID}}');
    assert.equal(config.auths['other.example']?.auth, 'b3RoZXI6cHc=');
    assert.equal(Buffer.from(config.auths[r.host]!.auth, 'base64').toString(), `${r.user}:${r.password}`);

    const after = await runCairn(['discover', ref, '--ca-file', r.caFile!], { env });
    assert.equal(after.code, 0, after.stderr);

    const out = await runCairn(['logout', r.host, '--output', 'json'], { env });
    assert.equal(out.code, 0, out.stderr);
    assert.equal((JSON.parse(out.stdout) as { removed: boolean }).removed, true);
    const left = JSON.parse(readFileSync(path, 'utf8')) as { auths: Record<string, unknown> };
    assert.deepEqual(Object.keys(left.auths), ['other.example']);
    const again = await runCairn(['discover', ref, '--ca-file', r.caFile!], { env });
    assert.equal(again.code, 3);
    const twice = await runCairn(['logout', r.host], { env });
    assert.equal(twice.code, 0);
    assert.match(twice.stdout, /Not logged in/);
  });

  it('stores through the configured credential helper (credsStore), and erases there', async () => {
    const r = registry();
    const bin = join(tmp, 'helper-bin');
    const vault = join(tmp, 'vault.json');
    mkdirSync(bin, { recursive: true });
    // a helper that keeps one secret in a file: the docker-credential-helpers protocol
    writeFileSync(join(bin, 'docker-credential-cairnvault'), [
      '#!/bin/sh',
      'case "$1" in',
      `  store) cat > ${vault} ;;`,
      `  get) read url; if [ -f ${vault} ]; then cat ${vault}; else echo "credentials not found in native keychain"; exit 1; fi ;;`,
      `  erase) read url; if [ -f ${vault} ]; then rm ${vault}; else echo "credentials not found in native keychain"; exit 1; fi ;;`,
      'esac',
      '',
    ].join('\n'));
    chmodSync(join(bin, 'docker-credential-cairnvault'), 0o755);
    const { env, dockerDir } = isolatedEnv('helper', { PATH: `${bin}:${process.env['PATH']}` });
    mkdirSync(dockerDir, { recursive: true });
    writeFileSync(join(dockerDir, 'config.json'), JSON.stringify({ credsStore: 'cairnvault' }));
    const res = await runCairn(['login', r.host, '--ca-file', r.caFile!, '-u', r.user!, '--password-stdin'], { input: r.password!, env });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /docker-credential-cairnvault/);
    const stored = JSON.parse(readFileSync(vault, 'utf8')) as { ServerURL: string; Username: string; Secret: string };
    assert.deepEqual(stored, { ServerURL: r.host, Username: r.user, Secret: r.password });
    assert.doesNotMatch(readFileSync(join(dockerDir, 'config.json'), 'utf8'), /auths/);
    const ok = await runCairn(['discover', ref, '--ca-file', r.caFile!], { env });
    assert.equal(ok.code, 0, ok.stderr);
    const out = await runCairn(['logout', r.host], { env });
    assert.equal(out.code, 0, out.stderr);
    assert.ok(!existsSync(vault), 'the helper erased the credentials');
  });

  it('reads podman/skopeo auth.json from REGISTRY_AUTH_FILE and $XDG_RUNTIME_DIR/containers', async () => {
    const r = registry();
    const auth = { auths: { [r.host]: { auth: Buffer.from(`${r.user}:${r.password}`).toString('base64') } } };
    const file = join(tmp, 'podman-auth.json');
    writeFileSync(file, JSON.stringify(auth));
    const viaVar = isolatedEnv('podman-var', { REGISTRY_AUTH_FILE: file });
    const res = await runCairn(['discover', ref, '--ca-file', r.caFile!], { env: viaVar.env });
    assert.equal(res.code, 0, res.stderr);
    const runtime = join(tmp, 'runtime');
    mkdirSync(join(runtime, 'containers'), { recursive: true });
    writeFileSync(join(runtime, 'containers', 'auth.json'), JSON.stringify(auth));
    const viaRuntime = isolatedEnv('podman-runtime', { XDG_RUNTIME_DIR: runtime });
    const res2 = await runCairn(['discover', ref, '--ca-file', r.caFile!], { env: viaRuntime.env });
    assert.equal(res2.code, 0, res2.stderr);
  });

  it('needs --password-stdin when standard input is not a terminal', async () => {
    const r = registry();
    const { env } = isolatedEnv('noinput');
    const res = await runCairn(['login', r.host, '-u', r.user!], { env });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /--password-stdin/);
  });
});
