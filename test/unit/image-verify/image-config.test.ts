// Moved from test/unit/policy/image-config.test.ts (issue 14: policy/ split into verify/, image-verify/, author/).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { duplicateJsonKey, imageConfigArtifacts } from '../../../src/image-verify/config.js';
import { sha256Hex } from '../../../src/digest/index.js';
import { assertCairnErrorSync } from '../../helpers/assert.js';

// The execution parameters of an image config as `/config/<Field>` artifacts: the sha256 of the
// field's value as canonical JSON, each field named as Go's encoding/json (containerd, Docker)
// reads it, and a config refused when two keys would set one field.

const h = (json: string) => ({ sha256: sha256Hex(json) });

describe('imageConfigArtifacts', () => {
  it('hashes each field of config as canonical JSON (sorted keys, no whitespace)', () => {
    const a = imageConfigArtifacts({ config: { Entrypoint: ['/app'], Env: ['A=1', 'B=2'], Labels: { b: '2', a: '1' }, User: 'app', ExposedPorts: { '80/tcp': {} } } });
    assert.deepEqual({ ...a }, {
      '/config/Entrypoint': h('["/app"]'),
      '/config/Env': h('["A=1","B=2"]'),
      '/config/Labels': h('{"a":"1","b":"2"}'),
      '/config/User': h('"app"'),
      '/config/ExposedPorts': h('{"80/tcp":{}}'),
    });
  });

  it('gives no artifact for an absent or null config, and keeps a null field', () => {
    assert.deepEqual({ ...imageConfigArtifacts({ architecture: 'amd64' }) }, {});
    assert.deepEqual({ ...imageConfigArtifacts({ config: null }) }, {});
    assert.deepEqual({ ...imageConfigArtifacts({ config: { Cmd: null } }) }, { '/config/Cmd': h('null') });
  });

  it('names a field as Go reads it: any case, KELVIN SIGN and LONG S included', () => {
    assert.deepEqual(Object.keys(imageConfigArtifacts({ CONFIG: { entrypoint: [], workingdir: '/' } })).sort(), ['/config/Entrypoint', '/config/WorkingDir']);
    assert.deepEqual(Object.keys(imageConfigArtifacts({ config: { 'Wor\u212AingDir': '/x', 'ArgsE\u017Fcaped': true } })).sort(), ['/config/ArgsEscaped', '/config/WorkingDir']);
    // a key Go does not know stays as written (no runtime reads it, a rule may still see it)
    assert.deepEqual(Object.keys(imageConfigArtifacts({ config: { 'x-vendor': 1 } })), ['/config/x-vendor']);
  });

  it('refuses two keys for one field, a non-object config, and values canonical JSON cannot hold', () => {
    assertCairnErrorSync(() => imageConfigArtifacts({ config: {}, Config: { Entrypoint: ['/evil'] } }), 'SCHEMA_INVALID', /has both "config" and "Config"/);
    assertCairnErrorSync(() => imageConfigArtifacts({ config: { Cmd: ['a'], cmd: ['b'] } }), 'SCHEMA_INVALID', /has both "Cmd" and "cmd"/);
    assertCairnErrorSync(() => imageConfigArtifacts({ config: { 'Wor\u212AingDir': '/x', WorkingDir: '/' } }), 'SCHEMA_INVALID', /has both/);
    assertCairnErrorSync(() => imageConfigArtifacts({ config: ['x'] }), 'SCHEMA_INVALID', /config: is not an object/);
    assertCairnErrorSync(() => imageConfigArtifacts({ config: { StopTimeout: 1.5 } }), 'SCHEMA_INVALID', /field "StopTimeout" cannot be hashed/);
  });

  it('finds a key given twice in one object of the config text, and only that', () => {
    assert.equal(duplicateJsonKey('{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}'), undefined);
    assert.equal(duplicateJsonKey('{"config":{},"x":1, "config" :{}}'), 'config');
    assert.equal(duplicateJsonKey('{"c":{"Cmd":["a"],"Cmd":["b"]}}'), 'Cmd');
    assert.equal(duplicateJsonKey('{"\\u0063onfig":1,"config":2}'), 'config', 'escapes are decoded');
    assert.equal(duplicateJsonKey('{"a":"\\"a\\":{","b":["a",":"],"c":"a"}'), undefined, 'strings that look like keys are values');
    assert.equal(duplicateJsonKey('[{"a":1},{"a":1}]'), undefined);
    assertCairnErrorSync(() => imageConfigArtifacts({ config: {} }, 'c', '{"config":{},"config":{}}'), 'SCHEMA_INVALID', /c: has the key "config" twice in one object/);
  });
});
