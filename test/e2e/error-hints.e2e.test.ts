import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { runCairn, useRegistry, type CairnRun } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';

// Errors that say what to do (issue 17): the mistakes a new user makes reaching a registry,
// against real registries (one plain HTTP, one TLS with a self-signed certificate and htpasswd):
// one line naming what happened in words (no OpenSSL internals, no bare status), a hint that
// names the flag or command that fixes it, exit code 3; with --output json the same as one JSON
// object on stdout with code, message, hint and exitCode.

const plain = useRegistry();
const tls = useRegistry({ auth: true, tls: true });
const tmp = tmpDir('cairn-hints-');

function oneLine(r: CairnRun, re: RegExp, hint: RegExp): void {
  assert.equal(r.code, 3, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, re);
  assert.match(lines[0]!, /\(hint: .+\)$/);
  assert.match(lines[0]!.slice(lines[0]!.indexOf('(hint: ')), hint);
  assert.doesNotMatch(r.stderr, /ssl3_|SSL routines|openssl|\n\s+at /i);
}

describe('registry errors that say what to do', () => {
  it('an HTTPS registry contacted over HTTP', async () => {
    const ref = `${tls().host}/app:v1`;
    oneLine(await runCairn(['discover', ref]), /speaks HTTPS but was contacted over plain HTTP/, /--ca-file .*--insecure/);
    oneLine(await runCairn(['discover', ref, '--plain-http']), /speaks HTTPS/, /drop --plain-http/);
  });

  it('a plain-HTTP registry contacted over HTTPS', async () => {
    oneLine(await runCairn(['discover', `${plain().host}/app:v1`, '--insecure']), /speaks plain HTTP but was contacted over HTTPS/, /give --plain-http/);
  });

  it('a self-signed certificate that is not trusted', async () => {
    // a CA of our own that did not sign the registry's certificate
    const other = join(tmp, 'other.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(tmp, 'other.key'), '-out', other, '-days', '1', '-subj', '/CN=other'], { stdio: 'ignore' });
    oneLine(await runCairn(['discover', `${tls().host}/app:v1`, '--ca-file', other]), /TLS certificate is not trusted: it is self-signed/, /--ca-file CA\.pem/);
  });

  it('a registry that wants credentials, and wrong ones', async () => {
    const r = tls();
    const env = { ...process.env, DOCKER_CONFIG: join(tmp, 'no-docker'), HOME: tmp, REGISTRY_AUTH_FILE: join(tmp, 'none.json') };
    oneLine(await runCairn(['discover', `${r.host}/app:v1`, '--ca-file', r.caFile!], { env }), /authentication required/, new RegExp(`cairn login ${r.host.replace(/\./g, '\\.')}`));
    oneLine(await runCairn(['discover', `${r.host}/app:v1`, '--ca-file', r.caFile!, '-u', r.user!, '--password-stdin'], { env, input: 'wrong' }), /401 credentials rejected/, /check the user name and the password/);
  });

  it('nothing listening', async () => {
    oneLine(await runCairn(['discover', '127.0.0.1:1/x:y']), /connection refused: nothing listens at 127\.0\.0\.1:1/, /is the registry running/);
  });

  it('--output json: one JSON object on stdout with code, message, hint and exit code', async () => {
    const r = await runCairn(['discover', `${tls().host}/app:v1`, '--output', 'json']);
    assert.equal(r.code, 3);
    assert.equal(r.stderr, '');
    const e = JSON.parse(r.stdout) as { code: string; message: string; hint: string; exitCode: number; details: Record<string, unknown> };
    assert.equal(e.code, 'NETWORK_ERROR');
    assert.match(e.message, /speaks HTTPS/);
    assert.match(e.hint, /--ca-file/);
    assert.equal(e.exitCode, 3);
    assert.equal(e.details['reason'], 'https-spoken-as-http');
  });
});
