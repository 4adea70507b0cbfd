import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { interpretPayload, statementArtifacts, makeStatement, LINK_PREDICATE_V03, statementToLink } from '../../../src/intoto/index.js';
import { assertCairnErrorSync } from '../../helpers/assert.js';

// Spec: https://github.com/in-toto/attestation/blob/main/spec/v1/resource_descriptor.md
// "a ResourceDescriptor MUST specify one of uri, digest or content at a minimum"; `name` is
// optional. cosign v3 writes Statements whose subject is only a digest: they must be readable.

const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
const HEX = 'a'.repeat(64);

describe('ResourceDescriptor (attestation spec v1)', () => {
  it('reads a Statement whose subject has only a digest, as cosign v3 writes it', () => {
    const body = { _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { sha256: HEX } }], predicateType: 'https://slsa.dev/provenance/v1', predicate: {} };
    const p = interpretPayload(body);
    assert.equal(p.kind, 'statement');
    if (p.kind !== 'statement') return;
    // A nameless artifact is named by its digest, so that artifact rules still see it.
    assert.deepEqual(plain(statementArtifacts(p.statement).products), { [`sha256:${HEX}`]: { sha256: HEX } });
  });

  it('names a nameless descriptor by its uri, and hashes `content` when there is no digest', () => {
    const content = Buffer.from('hello').toString('base64');
    const stmt = makeStatement([{ uri: 'pkg:oci/app', digest: { sha256: HEX } }, { name: 'c', content }], 'https://example.com/p', {});
    const hex = createHash('sha256').update('hello').digest('hex');
    assert.deepEqual(plain(statementArtifacts(stmt).products), { 'pkg:oci/app': { sha256: HEX }, c: { sha256: hex } });
  });

  it('refuses a descriptor with none of uri, digest and content (a name alone is not enough)', () => {
    const body = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'x' }], predicateType: 'https://example.com/p', predicate: {} };
    assertCairnErrorSync(() => interpretPayload(body), 'SCHEMA_INVALID', /subject\[0\].*one of uri, digest or content/);
    assertCairnErrorSync(() => statementToLink(makeStatement([{ name: 'x' }], LINK_PREDICATE_V03, { name: 's' })), 'SCHEMA_INVALID', /subject\[0\]: a resource descriptor needs/);
  });

  it('still refuses a uri-only descriptor as an artifact: there is nothing to hash', () => {
    const stmt = makeStatement([{ uri: 'https://example.com/x' }], 'https://example.com/p', {});
    assertCairnErrorSync(() => statementArtifacts(stmt), 'SCHEMA_INVALID', /needs a digest or content/);
  });
});
