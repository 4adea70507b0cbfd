// Moved from test/unit/policy/substitute.test.ts (issue 14: policy/ split into verify/, image-verify/, author/).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatParameters, substituteParameters } from '../../../src/verify/index.js';
import { assertCairnErrorSync } from '../../helpers/assert.js';
import { LayoutSchema, parseWith } from '../../../src/schema/index.js';

// Python's str.format, as in-toto 1.3.1 applies it: each expectation below is what
// `template.format(**params)` gives (or the error it raises).
describe('parameter substitution', () => {
  const p = { name: 'app', v: '1.0', 'dash-ed': 'x', empty: '' };

  it('replaces {name} and keeps doubled braces literal', () => {
    assert.equal(formatParameters('dist/{name}-{v}.tar', p), 'dist/app-1.0.tar');
    assert.equal(formatParameters('{{name}} {{{name}}}', p), '{name} {app}');
    assert.equal(formatParameters('{dash-ed}{empty}!', p), 'x!');
    assert.equal(formatParameters('{name!s}{name:}', p), 'appapp');
    assert.equal(formatParameters('no braces [*]', p), 'no braces [*]');
  });

  it('fails where str.format fails', () => {
    assertCairnErrorSync(() => formatParameters('{missing}', p), 'INVALID_ARGUMENT', /\{missing\} is used but not given/);
    assertCairnErrorSync(() => formatParameters('a}b', p), 'INVALID_ARGUMENT', /single '}'/);
    assertCairnErrorSync(() => formatParameters('a{b', p), 'INVALID_ARGUMENT', /without a closing/);
    assertCairnErrorSync(() => formatParameters('{}', p), 'INVALID_ARGUMENT', /needs a name/);
    assertCairnErrorSync(() => formatParameters('{0}', p), 'INVALID_ARGUMENT', /needs a name/);
  });

  it('refuses what str.format would do differently from a plain replacement', () => {
    assertCairnErrorSync(() => formatParameters('{name!r}', p), 'INVALID_ARGUMENT', /only plain/);
    assertCairnErrorSync(() => formatParameters('{name:>8}', p), 'INVALID_ARGUMENT', /only plain/);
    assertCairnErrorSync(() => formatParameters('{name.upper}', p), 'INVALID_ARGUMENT', /only plain/);
    assertCairnErrorSync(() => formatParameters('{name[0]}', p), 'INVALID_ARGUMENT', /only plain/);
  });

  it('substitutes rules, expected_command and run, nothing else, and names the place of an error', () => {
    const layout = parseWith(LayoutSchema, {
      _type: 'layout', expires: '2099-01-01T00:00:00Z',
      steps: [{ _type: 'step', name: '{name}', expected_command: ['make', '{v}'], expected_materials: [['ALLOW', '{name}']], expected_products: [] }],
      inspect: [{ _type: 'inspection', name: 'i', run: ['check', '{name}'], expected_products: [['DISALLOW', '{v}']] }],
    });
    const out = substituteParameters(layout, p);
    assert.equal(out.steps[0]!.name, '{name}');
    assert.deepEqual(out.steps[0]!.expected_command, ['make', '1.0']);
    assert.deepEqual(out.steps[0]!.expected_materials, [['ALLOW', 'app']]);
    assert.deepEqual(out.inspect[0]!.run, ['check', 'app']);
    assert.deepEqual(out.inspect[0]!.expected_products, [['DISALLOW', '1.0']]);
    assert.deepEqual(layout.steps[0]!.expected_command, ['make', '{v}'], 'the input is not changed');
    assertCairnErrorSync(() => substituteParameters(layout, { name: 'x' }), 'INVALID_ARGUMENT', /steps\[0\]\.expected_command\[1\]: parameter \{v\}/);
    assertCairnErrorSync(() => substituteParameters(layout, { ...p, 'bad name': '' }), 'INVALID_ARGUMENT', /may hold only letters/);
  });
});
