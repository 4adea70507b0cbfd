import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { apiHost, formatReference, isLoopbackHost, parseReference } from '../../../src/oci/index.js';
import { assertCairnErrorSync } from '../../helpers/assert.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('parseReference', () => {
  it('reads registry references with port, tag and digest', () => {
    assert.deepEqual(parseReference('127.0.0.1:5000/team/app:1.0'), { kind: 'registry', registry: '127.0.0.1:5000', repository: 'team/app', tag: '1.0' });
    assert.deepEqual(parseReference(`localhost/app@${D}`), { kind: 'registry', registry: 'localhost', repository: 'app', digest: D });
    assert.deepEqual(parseReference(`ghcr.io/o/r:t@${D}`), { kind: 'registry', registry: 'ghcr.io', repository: 'o/r', tag: 't', digest: D });
  });

  it('expands Docker Hub short names as docker does', () => {
    assert.deepEqual(parseReference('ubuntu:22.04'), { kind: 'registry', registry: 'docker.io', repository: 'library/ubuntu', tag: '22.04' });
    assert.deepEqual(parseReference('bitnami/redis'), { kind: 'registry', registry: 'docker.io', repository: 'bitnami/redis' });
    assert.equal(apiHost('docker.io'), 'registry-1.docker.io');
    assert.equal(formatReference(parseReference('index.docker.io/x/y:z')), 'docker.io/x/y:z');
  });

  it('reads oci: layout references with a tag or a digest', () => {
    assert.deepEqual(parseReference('oci:/tmp/x:v1'), { kind: 'layout', path: '/tmp/x', tag: 'v1' });
    assert.deepEqual(parseReference(`oci:/tmp/x@${D}`), { kind: 'layout', path: '/tmp/x', digest: D });
    assert.deepEqual(parseReference('oci:rel/dir'), { kind: 'layout', path: resolve('rel/dir') });
  });

  it('rejects malformed references with INVALID_ARGUMENT', () => {
    assertCairnErrorSync(() => parseReference('Host.io/UPPER:tag'), 'INVALID_ARGUMENT', /repository name/);
    assertCairnErrorSync(() => parseReference('host.io/app:bad tag'), 'INVALID_ARGUMENT', /tag/);
    assertCairnErrorSync(() => parseReference('host.io/app@sha256:abc'), 'INVALID_ARGUMENT', /digest/);
    assertCairnErrorSync(() => parseReference(''), 'INVALID_ARGUMENT');
    assertCairnErrorSync(() => parseReference('oci:'), 'INVALID_ARGUMENT');
    assertCairnErrorSync(() => parseReference(`host.io/app@sha512:${'a'.repeat(128)}`), 'UNSUPPORTED');
  });

  it('knows which hosts are loopback (plain HTTP by default)', () => {
    for (const h of ['localhost', 'localhost:5000', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000']) assert.equal(isLoopbackHost(h), true, h);
    for (const h of ['ghcr.io', '10.0.0.1:5000', 'localhost.example.com']) assert.equal(isLoopbackHost(h), false, h);
  });
});
