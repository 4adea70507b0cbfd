// Makes the V8 code cache of the bundled CLI: loads dist/bundle/cli.cjs the way bin/cairn.js
// does, runs a tour of commands in a scratch directory (keys, run and record, links, layouts,
// verify on Metablocks and DSSE, layout push, attest, discover and copy on OCI layouts, image
// files and verify of a one-layer image in an OCI layout, help)
// so that the functions they use are compiled, and writes the compiled code next to the bundle
// (cli.cache). bin/cairn.js hands it to V8, which checks it against the source, the node
// version and the flags, and compiles afresh when it does not fit. The tour's output is
// discarded; a failing command only means less is cached, and is named on stderr.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const file = resolve(process.argv[2] ?? 'dist/bundle/cli.cjs');
// compiled without a cache, the way bin/cairn.js will load it with one (loader.cjs, next to it)
const { compileBundle, runBundle } = createRequire(import.meta.url)(join(dirname(file), 'loader.cjs'));
const script = compileBundle(file, false);
const { main } = runBundle(script, file);

const scratch = mkdtempSync(join(tmpdir(), 'cairn-code-cache-'));
const home = process.cwd();
const out = { stdout: process.stdout.write, stderr: process.stderr.write };
const failed = [];
process.chdir(scratch);
process.stdout.write = process.stderr.write = () => true;
// a verification that fails (exit 1: the skeleton layout's rules reject the tour's files) has
// still run every check
const cairn = async (...args) => {
  const code = await main(args);
  if (code !== 0 && !(code === 1 && args[0] === 'verify')) failed.push(args.slice(0, 2).join(' '));
};
const named = (suffix) => readdirSync('.').filter((f) => f.endsWith(suffix));
try {
  await cairn('--help');
  await cairn('verify', '--help');
  await cairn('key', 'generate', '--type', 'ed25519', '--out', 'owner');
  await cairn('key', 'generate', '--type', 'ed25519', '--out', 'alice');
  await cairn('key', 'show', 'alice.pub');
  mkdirSync('src');
  for (let i = 0; i < 50; i++) writeFileSync(join('src', `f${i}.txt`), `file ${i}\n`);
  await cairn('run', '-n', 'build', '-k', 'alice', '-m', 'src', '-p', 'src', '-x');
  await cairn('run', '-n', 'pack', '-k', 'alice', '-m', 'src', '-p', 'src', '--format', 'dsse', '--', 'true');
  await cairn('record', 'start', '-n', 'rec', '-k', 'alice', '-m', 'src');
  await cairn('record', 'stop', '-n', 'rec', '-k', 'alice', '-p', 'src');
  await cairn('link', 'verify', ...named('.link'), ...named('.intoto.jsonl'), '--key', 'alice.pub');
  await cairn('layout', 'create', '--step', 'build=alice.pub', '--step', 'pack=alice.pub', '--out', 'root.layout');
  // an attribute rule, so that the CEL engine's code is cached too (verify parses it)
  const skeleton = JSON.parse(readFileSync('root.layout', 'utf8'));
  skeleton.signed.steps[0].expected_attributes = ["name == 'build' && command.size() >= 0 && products.all(p, p != '')"];
  writeFileSync('root.layout', JSON.stringify(skeleton));
  await cairn('layout', 'check', 'root.layout');
  await cairn('layout', 'sign', 'root.layout', '--key', 'owner');
  await cairn('verify', '--layout', 'root.layout', '--layout-key', 'owner.pub', '--output', 'json');
  await cairn('layout', 'sign', 'root.layout', '--key', 'owner', '--format', 'dsse', '--out', 'dsse.layout');
  await cairn('verify', '--layout', 'dsse.layout', '--layout-key', 'owner.pub');
  const oci = `oci:${join(scratch, 'oci')}`;
  await cairn('layout', 'push', 'root.layout', `${oci}:policy`);
  writeFileSync('predicate.json', '{"buildDefinition":{"buildType":"https://example.com/x"}}');
  await cairn('attest', `${oci}:policy`, '--predicate', 'predicate.json', '--type', 'slsaprovenance1', '--key', 'alice');
  await cairn('attach', `${oci}:policy`, ...named('.intoto.jsonl'));
  await cairn('discover', `${oci}:policy`);
  await cairn('copy', '--referrers', `${oci}:policy`, `oci:${join(scratch, 'copy')}:policy`);
  await cairn('layout', 'pull', `${oci}:policy`, '--out', 'pulled.layout');
  const image = tinyImage(join(scratch, 'image'));
  await cairn('image', 'files', `oci:${join(scratch, 'image')}:app`, '--output', 'json');
  await cairn('attach', `oci:${join(scratch, 'image')}:app`, ...named('.intoto.jsonl'));
  await cairn('verify', `oci:${join(scratch, 'image')}@${image}`, '--layout', 'dsse.layout', '--layout-key', 'owner.pub');
} finally {
  process.stdout.write = out.stdout;
  process.stderr.write = out.stderr;
  process.chdir(home);
  rmSync(scratch, { recursive: true, force: true });
}
// An OCI layout holding a one-layer image (one file), tagged app; returns the manifest digest.
function tinyImage(dir) {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (bytes) => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(blobs, hex), bytes);
    return { digest: `sha256:${hex}`, size: bytes.length };
  };
  const header = Buffer.alloc(512);
  header.write('app.txt', 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write('00000000006\0', 124);
  header.write('00000000000\0', 136);
  header.write('0', 156);
  header.write('ustar\x0000', 257, 'latin1');
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  const tar = Buffer.concat([header, Buffer.from('hello\n'), Buffer.alloc(506), Buffer.alloc(1024)]);
  const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...put(gzipSync(tar)) };
  const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
  const config = { mediaType: 'application/vnd.oci.image.config.v1+json', ...put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId] } }))) };
  const manifest = { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: [layer] }))) };
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'app' } }] }));
  return manifest.digest;
}

if (failed.length > 0) process.stderr.write(`code cache: these tour commands failed (less is cached): ${failed.join('; ')}\n`);
writeFileSync(file.replace(/\.cjs$/, '.cache'), script.createCachedData());
