import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../helpers/paths.js';

// deploy/kubernetes: every manifest parses, and the pieces agree with each other and with the
// gate's config: the Provider's and Kyverno's URL reach the Service and a policy the config
// defines, ports line up, the TLS files the config names are where the Deployment mounts them,
// the pod is non-root with a read-only root filesystem and limits, the Rego calls the Provider.

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const DIR = join(REPO_ROOT, 'deploy', 'kubernetes');

function docs(file: string): Obj[] {
  return parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => {
    assert.deepEqual(d.errors, [], `${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as Obj;
  });
}

describe('deploy/kubernetes', () => {
  const all = [...docs('cairn.yaml'), ...docs('gatekeeper/provider.yaml'), ...docs('gatekeeper/constraint-template.yaml'), ...docs('gatekeeper/constraint.yaml'), ...docs('kyverno/validating-policy.yaml')];
  const one = (kind: string) => {
    const found = all.filter((d) => d['kind'] === kind);
    assert.equal(found.length, 1, `one ${kind}`);
    return found[0]!;
  };
  const cm = one('ConfigMap');
  const config = JSON.parse(cm['data']['serve.json']) as Obj;
  const deployment = one('Deployment');
  const service = one('Service');
  const pod = deployment['spec']['template']['spec'];
  const container = pod['containers'][0];

  it('runs the gate non-root, read-only, with limits, probes and the config it mounts', () => {
    assert.equal(pod['securityContext']['runAsNonRoot'], true);
    assert.ok(pod['securityContext']['runAsUser'] > 0);
    assert.equal(container['securityContext']['readOnlyRootFilesystem'], true);
    assert.equal(container['securityContext']['allowPrivilegeEscalation'], false);
    assert.ok(container['resources']['limits']['memory'] && container['resources']['limits']['cpu']);
    assert.equal(container['readinessProbe']['httpGet']['path'], '/readyz');
    assert.equal(container['livenessProbe']['httpGet']['path'], '/healthz');
    assert.equal(container['readinessProbe']['httpGet']['scheme'], 'HTTPS');
    const listenPort = Number(String(config['listen']).split(':').pop());
    assert.equal(container['ports'][0]['containerPort'], listenPort);
    const mounts: Obj[] = container['volumeMounts'];
    const mounted = (file: string) => mounts.some((m) => file.startsWith(`${m['mountPath']}/`));
    const configPath = container['args'][container['args'].indexOf('--config') + 1];
    assert.ok(mounted(configPath));
    const configMount = mounts.find((m) => configPath.startsWith(`${m['mountPath']}/`))!;
    assert.equal(pod['volumes'].find((v: Obj) => v['name'] === configMount['name'])['configMap']['name'], cm['metadata']['name']);
    for (const f of [config['tls']['cert'], config['tls']['key'], config['tls']['clientCA'], ...config['summaries']['trustedKeys'], ...Object.values(config['policies'] as Obj).flatMap((p: Obj) => p['layoutKeys'] ?? [])]) {
      assert.ok(mounted(f), `${f} is on a mounted volume`);
    }
  });

  it('pins every policy by digest in a registry the config lists', () => {
    for (const [name, p] of Object.entries(config['policies'] as Obj)) {
      assert.match(p['layout'], /@sha256:[0-9a-f]{64}$/, name);
      assert.ok(Object.keys(config['registries']).includes(String(p['layout']).split('/')[0]), name);
    }
  });

  it('points the Gatekeeper Provider and the Kyverno policy at the Service and a configured policy', () => {
    const provider = one('Provider');
    const kyverno = one('ValidatingPolicy');
    const kyvernoUrl = /"(https:\/\/[^"]+)"/.exec(JSON.stringify(kyverno['spec']['variables']).replace(/\\"/g, '"'))![1]!;
    for (const url of [provider['spec']['url'], kyvernoUrl]) {
      const u = new URL(url);
      assert.equal(u.protocol, 'https:');
      const [svc, ns] = u.hostname.split('.');
      assert.equal(svc, service['metadata']['name']);
      assert.equal(ns, service['metadata']['namespace']);
      assert.equal(Number(u.port), service['spec']['ports'][0]['port']);
      const m = /^\/verify\/([a-z0-9._-]+)$/.exec(u.pathname);
      assert.ok(m && m[1]! in config['policies'], `${u.pathname} is a policy of the config`);
    }
    assert.ok(provider['spec']['timeout'] * 1000 > config['deadlineMs'], 'the gate answers before Gatekeeper gives up');
    assert.ok(provider['spec']['timeout'] <= 3, 'within Gatekeeper\'s default webhook timeout');
    assert.ok(Buffer.from(provider['spec']['caBundle'], 'base64').toString().includes('BEGIN CERTIFICATE'));
    assert.equal(service['spec']['ports'][0]['targetPort'], container['ports'][0]['name']);
  });

  it('has a ConstraintTemplate whose Rego calls that Provider and denies on errors, and a Constraint of its kind', () => {
    const template = one('ConstraintTemplate');
    const rego: string = template['spec']['targets'][0]['rego'];
    assert.match(rego, new RegExp(`"provider": "${one('Provider')['metadata']['name']}"`));
    for (const s of ['response.system_error != ""', 'response.errors[_]', 'not r[1].verified == true', 'initContainers', 'ephemeralContainers']) assert.ok(rego.includes(s), s);
    assert.equal(one('CairnVerified')['kind'], template['spec']['crd']['spec']['names']['kind']);
  });

  it('has a Dockerfile on node 20 slim that runs as a non-root user', () => {
    const text = readFileSync(join(DIR, 'Dockerfile'), 'utf8');
    assert.match(text, /^FROM node:20-slim$/m);
    const user = /^USER (\S+)$/m.exec(text)?.[1];
    assert.ok(user && !/^(root|0)(:|$)/.test(user), `USER ${user}`);
    assert.equal(String(pod['securityContext']['runAsUser']), user!.split(':')[0]);
    assert.match(text, /ENTRYPOINT \["node", "\/app\/bin\/cairn.js"\]/);
  });
});
