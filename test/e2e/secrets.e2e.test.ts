import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeKeyPair, generateKey } from '../../src/crypto/index.js';
import { makeStatement, serializeDocument, signStatement } from '../../src/intoto/index.js';
import { closeStore, openStore, parseReference } from '../../src/oci/index.js';
import { startRegistry, useRegistry, type TestRegistry } from '../helpers/registry.js';
import { startTokenServer, type TokenServer } from '../helpers/token-server.js';
import { buildImage, pushImage } from '../helpers/image.js';
import { runBounded, type BoundedRun } from '../helpers/spawn.js';
import { tmpDir } from '../helpers/tmp.js';

// Issue 9, secrets: against a registry with htpasswd (Basic) and one with bearer tokens from a
// token server (distribution's auth.token, JWTs signed by a key the registry trusts), run every
// registry command with --debug and --output json, with the right password, a wrong one, none,
// through Docker's config.json and a credential helper; then search everything Cairn printed for
// the passwords, the base64 Basic credentials, the identity token and every bearer token issued.

const basic = useRegistry({ auth: true });
const tmp = tmpDir('cairn-secrets-');
const USER = 'cairn';
const TOKEN_PASSWORD = `tokpw-${randomBytes(12).toString('hex')}`;
const WRONG = `wrongpw-${randomBytes(12).toString('hex')}`;
const IDENTITY = `identity-${randomBytes(12).toString('hex')}`;
let tokens: TokenServer;
let tokenReg: TestRegistry;
const printed: { args: string; out: string }[] = [];
const KEY = join(tmp, 'key');
const PREDICATE = join(tmp, 'predicate.json');
const LINK = join(tmp, 'link.intoto.jsonl');

async function cairn(args: string[], input = '', env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: join(tmp, 'no-config') }): Promise<BoundedRun> {
  const r = await runBounded(args, { input, env, cwd: tmp });
  printed.push({ args: args.join(' '), out: `${r.stdout}\n${r.stderr}` });
  assert.equal(r.timedOut, false, `${args.join(' ')} hung`);
  return r;
}

function dockerConfig(name: string, config: unknown): NodeJS.ProcessEnv {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return { ...process.env, DOCKER_CONFIG: dir, PATH: `${join(tmp, 'bin')}:${process.env['PATH']}` };
}

// Every registry command, as a user who logs in right, wrong, not at all, or through Docker's config.
async function exercise(host: string, password: string, expect: { helper: boolean }): Promise<void> {
  const ref = `${host}/secret/app:v1`;
  const name = host.replace(/[^0-9a-z]/g, '-');
  const out = join(tmp, `out-${name}`);
  const login = ['--username', USER, '--password-stdin'];
  const ok = async (args: string[], input = password, env?: NodeJS.ProcessEnv) => {
    const r = await cairn(args, input, env);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const fails = async (args: string[], input: string, env?: NodeJS.ProcessEnv) => {
    const r = await cairn(args, input, env);
    assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
    // with --output json the error is a JSON object on stdout (issue 17), else a line on stderr
    if (args.includes('json')) assert.match((JSON.parse(r.stdout) as { message: string }).message, /credentials rejected|authentication required/);
    else assert.match(r.stderr, /^cairn: .*(credentials rejected|authentication required)/m);
  };
  const debugged = await ok(['discover', ref, '--debug', ...login]);
  assert.match(debugged.stderr, /^debug: GET http:\/\/127\.0\.0\.1:[0-9]+\/v2\/secret\/app\/manifests\/v1$/m);
  await ok(['discover', ref, '--output', 'json', ...login]);
  await ok(['attest', ref, '--predicate', PREDICATE, '--type', 'https://example.com/secrets/v1', '--key', KEY, '--debug', '--output', 'json', ...login]);
  await ok(['attach', ref, LINK, '--debug', '--output', 'json', ...login]);
  await ok(['copy', '--referrers', ref, `oci:${out}`, '--debug', '--output', 'json', ...login]);
  await ok(['copy', '--referrers', `oci:${out}:v1`, `${host}/secret/back:v1`, '--debug', ...login]);
  await ok(['copy', ref, `${host}/secret/mounted:v1`, '--debug', '--output', 'json', ...login]);
  await ok(['run', '-n', 'build', '-k', KEY, '-d', join(tmp, 'links'), '--attach', ref, '--debug', '--output', 'json', ...login, '--', 'true']);
  await fails(['discover', ref, '--debug', ...login], WRONG);
  await fails(['attest', ref, '--predicate', PREDICATE, '--type', 'https://example.com/x', '--key', KEY, '--debug', '--output', 'json', ...login], WRONG);
  await fails(['copy', ref, `oci:${join(tmp, 'never')}`, '--debug', '--output', 'json'], '');
  const auth = (pw: string) => Buffer.from(`${USER}:${pw}`).toString('base64');
  await ok(['discover', ref, '--debug', '--output', 'json'], '', dockerConfig(`right-${name}`, { auths: { [host]: { auth: auth(password) } } }));
  await fails(['discover', ref, '--debug'], '', dockerConfig(`wrong-${name}`, { auths: { [host]: { auth: auth(WRONG) } } }));
  await fails(['discover', ref, '--debug'], '', dockerConfig(`identity-${name}`, { auths: { [host]: { identitytoken: IDENTITY } } }));
  if (expect.helper) await ok(['attach', ref, LINK, '--force', '--debug'], '', dockerConfig(`helper-${name}`, { credHelpers: { [host]: 'cairnsecret' } }));
}

describe('passwords and tokens never appear in what Cairn prints', () => {
  before(async () => {
    tokens = await startTokenServer(tmp, USER, TOKEN_PASSWORD);
    tokenReg = await startRegistry({ token: tokens });
    const key = generateKey('ed25519');
    writeFileSync(KEY, encodeKeyPair(key).privatePem);
    writeFileSync(PREDICATE, JSON.stringify({ ok: true }));
    for (const [reg, password] of [[basic(), basic().password as string], [tokenReg, TOKEN_PASSWORD]] as const) {
      const store = await openStore(parseReference(`${reg.host}/secret/app`), { username: USER, password });
      const subject = await pushImage(store, await buildImage(`secrets-${reg.host}`), 'v1');
      await closeStore(store);
      if (reg === tokenReg) {
        const st = makeStatement([{ name: 'app', digest: { sha256: subject.digest.slice(7) } }], 'https://example.com/link/v1', {});
        writeFileSync(LINK, serializeDocument(await signStatement(st, [key])));
      }
    }
    const bin = join(tmp, 'bin');
    mkdirSync(bin, { recursive: true });
    const helper = join(bin, 'docker-credential-cairnsecret');
    writeFileSync(helper, `#!/bin/sh\nread url\nprintf '{"ServerURL":"%s","Username":"${USER}","Secret":"${basic().password}"}' "$url"\n`);
    chmodSync(helper, 0o755);
  });
  after(async () => {
    await tokenReg?.stop();
    await tokens?.close();
  });

  it('with htpasswd (Basic)', async () => {
    await exercise(basic().host, basic().password as string, { helper: true });
  });

  it('with bearer tokens from a token server', async () => {
    await exercise(tokenReg.host, TOKEN_PASSWORD, { helper: false });
    assert.ok(tokens.issued.length > 5, `${tokens.issued.length} tokens issued`);
    assert.ok(tokens.refused > 0, 'wrong credentials reached the token server');
  });

  it('printed none of them', () => {
    const b64 = (pw: string) => Buffer.from(`${USER}:${pw}`).toString('base64');
    const secrets = [basic().password as string, TOKEN_PASSWORD, WRONG, IDENTITY, b64(basic().password as string), b64(TOKEN_PASSWORD), b64(WRONG)];
    // A bearer token is secret as a whole; its signature is the part no one else can make.
    for (const t of tokens.issued) secrets.push(t, t.slice(t.lastIndexOf('.') + 1));
    assert.ok(printed.length >= 29, `${printed.length} runs`);
    for (const { args, out } of printed) {
      for (const s of secrets) assert.ok(!out.includes(s), `cairn ${args} printed a secret (${s.slice(0, 6)}…): ${out.slice(0, 2000)}`);
      assert.doesNotMatch(out, /authorization:|Basic [A-Za-z0-9+/=]{8,}|Bearer [A-Za-z0-9._-]{8,}/i, `cairn ${args}`);
    }
  });
});
