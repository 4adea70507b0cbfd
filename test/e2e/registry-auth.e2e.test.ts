import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeStore, openStore, parseReference } from '../../src/oci/index.js';
import { runCairn, useRegistry } from '../helpers/registry.js';
import { buildImage, pushImage } from '../helpers/image.js';

// Auth and TLS against the real registry with htpasswd and a self-signed certificate:
// --username/--password-stdin, Docker's config.json (auths and a credential helper), --ca-file,
// --insecure, and the one-line errors when any of it is missing or wrong.

const registry = useRegistry({ auth: true, tls: true });
const tmp = mkdtempSync(join(tmpdir(), 'cairn-auth-'));
let ref = '';

function dockerConfig(name: string, config: unknown): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

describe('auth (htpasswd) and TLS (self-signed)', () => {
  before(async () => {
    const r = registry();
    const store = await openStore(parseReference(`${r.host}/secure/app`), { username: r.user, password: r.password, ca: (await import('node:fs')).readFileSync(r.caFile as string, 'utf8') });
    await pushImage(store, await buildImage('auth'), 'v1');
    await closeStore(store);
    ref = `${r.host}/secure/app:v1`;
  });

  it('works with --username and --password-stdin and --ca-file', async () => {
    const r = registry();
    const res = await runCairn(['discover', ref, '--ca-file', r.caFile as string, '--username', r.user as string, '--password-stdin', '--output', 'json'], { input: `${r.password}\n` });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /"referrers": \[\]/);
  });

  it('reads credentials from Docker config.json auths, and through a credential helper', async () => {
    const r = registry();
    const auth = Buffer.from(`${r.user}:${r.password}`).toString('base64');
    const plain = dockerConfig('plain', { auths: { [r.host]: { auth } } });
    const res = await runCairn(['discover', ref, '--ca-file', r.caFile as string], { env: { ...process.env, DOCKER_CONFIG: plain } });
    assert.equal(res.code, 0, res.stderr);
    const bin = join(tmp, 'bin');
    mkdirSync(bin, { recursive: true });
    const helper = join(bin, 'docker-credential-cairntest');
    writeFileSync(helper, `#!/bin/sh\nread url\nif [ "$url" = "${r.host}" ]; then printf '{"ServerURL":"%s","Username":"${r.user}","Secret":"${r.password}"}' "$url"; else echo "credentials not found in native keychain"; exit 1; fi\n`);
    chmodSync(helper, 0o755);
    const viaHelper = dockerConfig('helper', { credHelpers: { [r.host]: 'cairntest' } });
    const res2 = await runCairn(['discover', ref, '--ca-file', r.caFile as string], { env: { ...process.env, DOCKER_CONFIG: viaHelper, PATH: `${bin}:${process.env['PATH']}` } });
    assert.equal(res2.code, 0, res2.stderr);
  });

  it('accepts --insecure instead of the CA', async () => {
    const r = registry();
    const res = await runCairn(['discover', ref, '--insecure', '--username', r.user as string, '--password-stdin'], { input: r.password });
    assert.equal(res.code, 0, res.stderr);
  });

  it('fails in one line, exit 3, without credentials, with wrong ones, or without trusting the certificate', async () => {
    const r = registry();
    const empty = dockerConfig('empty', {});
    const env = { ...process.env, DOCKER_CONFIG: empty };
    const cases = [
      { args: ['discover', ref, '--ca-file', r.caFile as string], input: '', re: /authentication required/ },
      { args: ['discover', ref, '--ca-file', r.caFile as string, '--username', r.user as string, '--password-stdin'], input: 'wrong-password', re: /credentials rejected/ },
      { args: ['discover', ref, '--username', r.user as string, '--password-stdin'], input: r.password as string, re: /HTTP|certificate|self.signed|TLS|wrong version|ECONNRESET|socket/i },
    ];
    for (const c of cases) {
      const res = await runCairn(c.args, { input: c.input, env });
      assert.equal(res.code, 3, `${c.args.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, c.re);
      assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
      assert.ok(!res.stderr.includes(r.password as string), 'the password must never be printed');
    }
    const tls = await runCairn(['discover', ref, '--username', r.user as string, '--password-stdin', '--plain-http'], { input: r.password as string, env });
    assert.equal(tls.code, 3);
  });
});
