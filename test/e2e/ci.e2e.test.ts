import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeStore, openStore, parseReference } from '../../src/oci/index.js';
import { cairn, run, DEBIAN_PYTHON, type Ran } from '../helpers/exec.js';
import { CAIRN_BIN, REPO_ROOT } from '../helpers/paths.js';
import { useRegistry } from '../helpers/registry.js';
import { buildImage, pushImage } from '../helpers/image.js';
import { tmpDir } from '../helpers/tmp.js';

// Cairn in CI (issue 17): the GitHub Action (action.yml) and the GitLab component
// (templates/cairn.yml) both run ci/cairn-ci.sh with CAIRN_* variables. Here the script runs as
// they run it, against the real registry with a password: attach and attest after a push,
// verify before a deploy (pass, and a failure that fails the job); and the wiring is checked
// with a YAML parser (PyYAML): every variable the action and the component set is one the
// script reads, and README's workflows use only inputs that exist.

const registry = useRegistry({ auth: true });
const SCRIPT = join(REPO_ROOT, 'ci', 'cairn-ci.sh');

function yamlOf(path: string, all = false): unknown {
  const r = run(DEBIAN_PYTHON, ['-c', `import json,sys,yaml; d=list(yaml.safe_load_all(open(sys.argv[1]))); print(json.dumps(d if ${all ? 'True' : 'False'} else d[0]))`, path]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function yamlText(text: string): unknown {
  const r = run(DEBIAN_PYTHON, ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], { input: text });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('CI: the action\'s and the component\'s script against the real registry', () => {
  const dir = tmpDir('cairn-ci-');
  let image = '';

  // Runs ci/cairn-ci.sh as the action does, in a home of its own (no stored credentials).
  const ci = (vars: Record<string, string>, result: string): { ran: Ran; json: Record<string, unknown> } => {
    const r = registry();
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, CAIRN: `${process.execPath} ${CAIRN_BIN}`, CAIRN_RESULT: join(dir, result), CAIRN_IMAGE: image, CAIRN_REGISTRY_USERNAME: r.user!, CAIRN_REGISTRY_PASSWORD: r.password!, GITHUB_OUTPUT: join(dir, `${result}.out`), ...vars };
    delete env['DOCKER_CONFIG'];
    const ran = run('bash', [SCRIPT], { cwd: dir, env });
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(readFileSync(join(dir, result), 'utf8')) as Record<string, unknown>;
    } catch { /* no result written */ }
    return { ran, json };
  };

  before(async () => {
    const r = registry();
    const store = await openStore(parseReference(`${r.host}/ci/app`), { username: r.user, password: r.password });
    const digest = (await pushImage(store, await buildImage('ci'), 'v1')).digest;
    await closeStore(store);
    image = `${r.host}/ci/app@${digest}`;
    const steps = [
      ['key', 'generate', '--out', 'owner'], ['key', 'generate', '--out', 'builder'],
      ['run', '-n', 'build', '-k', 'builder', '-d', 'links', '--', 'true'],
      ['layout', 'create', '--step', 'build=builder.pub', '--no-image', '--out', 'root.layout'],
    ];
    for (const s of steps) {
      const done = cairn(s, dir);
      assert.equal(done.status, 0, `${s.join(' ')}: ${done.stderr}`);
    }
    // The layout binds the image through the test-result Statement the job attests (its subject
    // is the image), as a layout must for `cairn verify IMAGE` (issue 13).
    const layout = JSON.parse(readFileSync(join(dir, 'root.layout'), 'utf8')) as { signed: { steps: Record<string, unknown>[] } };
    const build = layout.signed.steps[0]!;
    layout.signed.steps.push({
      _type: 'step', name: 'test', threshold: 1, pubkeys: build['pubkeys'], expected_command: [],
      expected_materials: [['ALLOW', '*']], expected_products: [['ALLOW', '*']],
      expected_predicate_type: 'https://in-toto.io/attestation/test-result/v0.1',
    });
    writeFileSync(join(dir, 'root.layout'), JSON.stringify(layout));
    const signed = cairn(['layout', 'sign', 'root.layout', '--key', 'owner'], dir);
    assert.equal(signed.status, 0, signed.stderr);
    writeFileSync(join(dir, 'predicate.json'), JSON.stringify({ tests: 12, failed: 0 }));
  });

  it('attach, attest, then verify: pass, and a wrong owner key fails the job with exit 1', () => {
    const link = readdirSync(join(dir, 'links')).find((f) => f.endsWith('.link'))!;
    const attach = ci({ CAIRN_COMMAND: 'attach', CAIRN_FILES: `links/${link}` }, 'attach.json');
    assert.equal(attach.ran.status, 0, attach.ran.stderr);
    assert.equal((attach.json['referrers'] as unknown[]).length, 1);
    assert.match(readFileSync(join(dir, 'attach.json.out'), 'utf8'), /^result=.*attach\.json$/m);

    const attest = ci({ CAIRN_COMMAND: 'attest', CAIRN_PREDICATE: 'predicate.json', CAIRN_PREDICATE_TYPE: 'test-result', CAIRN_KEY: 'builder' }, 'attest.json');
    assert.equal(attest.ran.status, 0, attest.ran.stderr);
    assert.match(String(attest.json['referrer']), /^sha256:[0-9a-f]{64}$/);

    const verify = ci({ CAIRN_COMMAND: 'verify', CAIRN_LAYOUT: 'root.layout', CAIRN_LAYOUT_KEY: 'owner.pub' }, 'verify.json');
    assert.equal(verify.ran.status, 0, verify.ran.stdout + verify.ran.stderr);
    assert.deepEqual([verify.json['schemaVersion'], verify.json['verdict']], [1, 'pass']);
    assert.match(verify.ran.stdout, /cairn verify: PASS/);

    const wrong = ci({ CAIRN_COMMAND: 'verify', CAIRN_LAYOUT: 'root.layout', CAIRN_LAYOUT_KEY: 'builder.pub' }, 'wrong.json');
    assert.equal(wrong.ran.status, 1, wrong.ran.stdout + wrong.ran.stderr);
    assert.equal(wrong.json['verdict'], 'fail');
    assert.match(wrong.ran.stdout, /cairn verify: FAIL/);
  });

  it('fails the job on bad credentials and on missing inputs, saying which', () => {
    const bad = ci({ CAIRN_COMMAND: 'verify', CAIRN_LAYOUT: 'root.layout', CAIRN_LAYOUT_KEY: 'owner.pub', CAIRN_REGISTRY_PASSWORD: 'wrong' }, 'bad.json');
    assert.equal(bad.ran.status, 3);
    assert.match(bad.ran.stderr, /credentials rejected/);
    const missing = ci({ CAIRN_COMMAND: 'verify' }, 'missing.json');
    assert.equal(missing.ran.status, 2);
    assert.match(missing.ran.stderr, /CAIRN_LAYOUT is required/);
    const unknown = ci({ CAIRN_COMMAND: 'sign' }, 'unknown.json');
    assert.equal(unknown.ran.status, 2);
    assert.match(unknown.ran.stderr, /must be attest, attach or verify/);
  });

  it('action.yml and templates/cairn.yml set exactly the variables the script reads', () => {
    const script = readFileSync(SCRIPT, 'utf8');
    const documented = new Set([...script.matchAll(/^#\s+(CAIRN_[A-Z_]+)/gm)].map((m) => m[1]!).concat([...script.matchAll(/(CAIRN_[A-Z_]+):/g)].map((m) => m[1]!)));
    const action = yamlOf(join(REPO_ROOT, 'action.yml')) as { inputs: Record<string, unknown>; runs: { using: string; steps: { id?: string; run?: string; env?: Record<string, string> }[] } };
    assert.equal(action.runs.using, 'composite');
    const step = action.runs.steps.find((s) => s.id === 'cairn')!;
    assert.match(step.run!, /ci\/cairn-ci\.sh/);
    for (const [name, value] of Object.entries(step.env!)) {
      assert.ok(script.includes(name), `the action sets ${name}, which the script never reads`);
      const input = /\$\{\{ inputs\.([a-z-]+) \}\}/.exec(value)?.[1];
      assert.ok(input && input in action.inputs, `${name}: ${value}`);
    }
    const [spec, jobs] = yamlOf(join(REPO_ROOT, 'templates', 'cairn.yml'), true) as [{ spec: { inputs: Record<string, unknown> } }, Record<string, { variables: Record<string, string>; script: string[] }>];
    const job = Object.values(jobs)[0]!;
    assert.ok(job.script.some((l) => l.includes('ci/cairn-ci.sh')));
    for (const [name, value] of Object.entries(job.variables)) {
      assert.ok(script.includes(name), `the component sets ${name}, which the script never reads`);
      const input = /\$\[\[ inputs\.([a-z-]+) \]\]/.exec(value)?.[1];
      assert.ok(input && input in spec.spec.inputs, `${name}: ${value}`);
    }
    assert.ok(documented.size > 5);
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { files: string[] };
    assert.ok(pkg.files.includes('ci/'), 'the component runs the script from the npm package');
  });

  it('README "Use in CI" workflows use only inputs the action and the component have', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Use in CI'), readme.indexOf('\n### ', readme.indexOf('### Use in CI') + 5));
    const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => yamlText(m[1]!));
    assert.equal(blocks.length, 3);
    const action = yamlOf(join(REPO_ROOT, 'action.yml')) as { inputs: Record<string, { required?: boolean }> };
    const spec = (yamlOf(join(REPO_ROOT, 'templates', 'cairn.yml')) as { spec: { inputs: Record<string, { default?: unknown }> } }).spec.inputs;
    for (const block of blocks.slice(0, 2) as { uses: string; with: Record<string, string> }[][]) {
      const use = block[0]!;
      assert.match(use.uses, /^cairn-intoto\/cairn@/);
      for (const k of Object.keys(use.with)) assert.ok(k in action.inputs, `action input ${k}`);
      for (const [k, v] of Object.entries(action.inputs)) if (v.required) assert.ok(k in use.with, `required input ${k}`);
    }
    const gitlab = blocks[2] as { include: { component: string; inputs: Record<string, string> }[] };
    const inc = gitlab.include[0]!;
    assert.match(inc.component, /\/cairn@/);
    for (const k of Object.keys(inc.inputs)) assert.ok(k in spec, `component input ${k}`);
    for (const [k, v] of Object.entries(spec)) if (v.default === undefined) assert.ok(k in inc.inputs, `required component input ${k}`);
  });
});
