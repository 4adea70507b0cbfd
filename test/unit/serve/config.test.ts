import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkServeConfig } from '../../../src/serve/index.js';
import { generateKey, encodeKeyPair } from '../../../src/crypto/index.js';
import { tmpDir } from '../../helpers/tmp.js';
import { isCairnError } from '../../../src/errors.js';

// The config is checked whole at start-up: every mistake on a line of its own, naming the field.

describe('serve config', () => {
  const dir = tmpDir('cairn-serve-config-');
  writeFileSync(join(dir, 'owner.pub'), encodeKeyPair(generateKey('ed25519')).publicPem);
  const file = join(dir, 'serve.json');
  const D = `sha256:${'a'.repeat(64)}`;

  function problems(raw: unknown): string[] {
    try {
      checkServeConfig(raw, file);
    } catch (err) {
      assert.ok(isCairnError(err, 'INVALID_ARGUMENT'));
      return (err as Error).message.split('\n').slice(1);
    }
    return [];
  }

  it('reports every mistake, one line each, naming the field', () => {
    const lines = problems({
      listen: 'nowhere',
      tls: { cert: 'missing.crt', key: 'missing.key' },
      deadlineMs: -1,
      registries: { 'reg.example': { colour: 'red' } },
      policies: {
        'Bad Name': { layout: `reg.example/p@${D}`, layoutKeys: ['owner.pub'] },
        tagged: { layout: 'reg.example/p:1', layoutKeys: ['owner.pub'] },
        elsewhere: { layout: `other.example/p@${D}`, layoutKeys: ['owner.pub'] },
        both: { layout: `reg.example/p@${D}`, layoutKeys: ['owner.pub'], trustRoot: `reg.example/t@${D}` },
        nokeys: { layout: `reg.example/p@${D}`, layoutKeys: ['nope.pub'] },
      },
      extra: 1,
    });
    const expect = [
      /: extra: unknown field/,
      /: listen: expected HOST:PORT/,
      /: tls.cert: cannot read missing.crt: ENOENT/,
      /: tls.key: cannot read missing.key: ENOENT/,
      /: deadlineMs: expected a number from 100 to 30000/,
      /: registries.reg.example.colour: unknown field/,
      /: policies.Bad Name: a policy name is lowercase/,
      /: policies.tagged.layout: reg.example\/p:1 is not pinned/,
      /: policies.elsewhere.layout: registry other.example is not listed under registries/,
      /: policies.both: give either layoutKeys or trustRoot/,
      /: policies.nokeys.layoutKeys\[0\]: cannot read nope.pub/,
    ];
    for (const re of expect) assert.ok(lines.some((l) => re.test(l)), `${re} in:\n${lines.join('\n')}`);
    assert.equal(lines.length, expect.length, lines.join('\n'));
    assert.ok(lines.every((l) => l.startsWith(`${file}: `)));
  });

  it('requires TLS, a registry and a policy', () => {
    const lines = problems({});
    assert.ok(lines.some((l) => /tls: required/.test(l)));
    assert.ok(lines.some((l) => /registries: name at least one/.test(l)));
    assert.ok(lines.some((l) => /policies: define at least one/.test(l)));
  });
});
