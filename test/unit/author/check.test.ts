// Moved from test/unit/policy/check.test.ts (issue 14: policy/ split into verify/, image-verify/, author/).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkLayout, layoutSkeleton } from '../../../src/author/index.js';
import { parseExpires } from '../../../src/verify/index.js';
import { assertCairnErrorSync } from '../../helpers/assert.js';
import { key, layoutBody } from '../verify/fixtures.js';

const bob = key('bob');
const carl = key('carl');

const UNBOUND = 'warning inspect: no cairn:image inspection: `cairn verify IMAGE` refuses this layout unless counted evidence names the image digest (docs/policy.md)';
const lines = (body: unknown) => checkLayout(body, new Date('2026-01-01T00:00:00Z')).map((p) => `${p.severity} ${p.path}: ${p.message}`);

describe('checkLayout', () => {
  it('accepts the skeleton `layout create` writes', () => {
    const body = layoutSkeleton({ steps: [{ name: 'build', keys: [bob.publicKey] }, { name: 'package', keys: [carl.publicKey] }], expires: new Date('2030-01-01T00:00:00Z') });
    assert.deepEqual(lines(body), []);
  });

  it('reports every problem with its JSON path, one per line', () => {
    const body = layoutBody(
      [
        { name: 'a', keys: [bob.publicKey], threshold: 2, materials: [['MACTH', '*', 'WITH', 'PRODUCTS', 'FROM', 'a']], products: [['MATCH', '*', 'WITH', 'PRODUCTS', 'FROM', 'nowhere']] },
        { name: 'a', keys: [bob.publicKey], materials: [['MATCH', '*', 'WITH', 'PRODUCTS', 'FROM', 'i']] },
      ],
      [{ name: 'i', run: [] }],
      { extra: 1 },
    );
    (body['steps'] as { pubkeys: string[] }[])[1]!.pubkeys.push('ff'.repeat(32));
    assert.deepEqual(lines(body), [
      'error steps[0].expected_materials[0]: unknown rule keyword "MACTH" (rules start with MATCH, CREATE, DELETE, MODIFY, ALLOW, DISALLOW or REQUIRE)',
      'error steps[0].expected_products[0]: MATCH ... FROM "nowhere": no step or inspection has that name',
      `error steps[0].threshold: threshold 2 cannot be met: the step authorises 1 usable key`,
      'error steps[1].name: name "a" is used twice (step and inspection names must be unique)',
      'error steps[1].expected_materials[0]: MATCH ... FROM i: step rules are checked before inspections run, so inspection "i" has no artifacts yet',
      `error steps[1].pubkeys[1]: key ${'ff'.repeat(8)}… is not in the layout's keys`,
      'error inspect[0].run: an inspection needs a command (in-toto fails an inspection without one)',
      'warning extra: unknown field (in-toto-golang rejects layouts with unknown fields)',
      UNBOUND,
    ]);
  });

  it('checks keys, dates and shapes', () => {
    const body = layoutBody([{ name: 'a', keys: [bob.publicKey] }]);
    const keys = body['keys'] as Record<string, unknown>;
    keys['00'.repeat(32)] = keys[bob.publicKey.keyId];
    body['expires'] = '2025-02-30T00:00:00Z';
    (body['steps'] as Record<string, unknown>[])[0]!['threshold'] = 'one';
    const out = lines(body);
    assert.ok(out.includes('error steps[0].threshold: Invalid input: expected number, received string'), out.join('\n'));
    assert.ok(out.includes(`error keys.${'00'.repeat(32)}: the keyid does not match the key it names`));
    assert.ok(out.includes('error expires: "2025-02-30T00:00:00Z" is not a date of the form YYYY-MM-DDTHH:MM:SSZ'));
    assert.deepEqual(lines({ _type: 'link' }), ['error _type: not a layout (expected "_type": "layout")']);
    assert.deepEqual(lines({ ...layoutBody([{ name: 'a', keys: [bob.publicKey] }]), expires: '2020-01-01T00:00:00Z' }), ['warning expires: the layout expired at 2020-01-01T00:00:00Z', UNBOUND]);
  });

  it('warns about a layout that does not bind an image, and not about one that does (issue 13)', () => {
    const unbound = layoutBody([{ name: 'build', keys: [bob.publicKey] }]);
    assert.deepEqual(lines(unbound), [UNBOUND]);
    const bound = layoutBody([{ name: 'build', keys: [bob.publicKey] }], [{ name: 'image', run: ['cairn:image'] }]);
    assert.deepEqual(lines(bound), []);
    // a command that merely starts like the reserved one is not the image inspection
    assert.deepEqual(lines(layoutBody([{ name: 'build', keys: [bob.publicKey] }], [{ name: 'image', run: ['cairn:image', 'x'] }])), [UNBOUND]);
  });

  it('parses expiry dates strictly', () => {
    assert.equal(parseExpires('2030-06-03T13:25:20Z').toISOString(), '2030-06-03T13:25:20.000Z');
    for (const bad of ['2030-06-03', '2030-06-03T13:25:20', '2030-06-03T13:25:20.5Z', '2030-13-01T00:00:00Z', '2030-06-03T24:00:00Z']) {
      assertCairnErrorSync(() => parseExpires(bad), 'SCHEMA_INVALID', /not a date/);
    }
  });
});
