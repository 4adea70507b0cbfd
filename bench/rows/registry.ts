import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/helpers/paths.js';
import { ATTRIBUTE_RULES, evidenceData } from '../lib/evidence-data.js';
import { largeImage, manyImage, smallImage, type BenchImage } from '../lib/image.js';
import { benchKey, CACHE } from '../lib/inputs.js';
import { cairnArgv, type Cmd } from '../lib/measure.js';
import { floodReferrers, imageVariant } from '../lib/referrer-flood.js';
import { benchRegistry, countRequests, pushImage, type TestRegistry } from '../lib/registry.js';
import type { BenchGroup, BenchRow } from '../lib/row.js';

// The registry rows, against a real registry (distribution 2.8.2 on 127.0.0.1) started for the
// run: one attestation push (`cairn attest`) next to a skopeo push of a small 3-layer image into
// an emptied registry (a floor for any push); flatten + hash of an image pulled from the
// registry next to `skopeo copy` to an OCI directory (and `umoci unpack` for the many-file
// image); and `cairn verify IMAGE@digest` over 20 referrers, alone and among 1,000 and 10,000.

let registries: TestRegistry[] = [];

const gib = (image: BenchImage): string => `${(image.bytes / 2 ** 30).toFixed(2)} GiB`;

function skopeoPull(ref: string, out: string, unpack: boolean): Cmd {
  const copy = `skopeo copy -q --src-tls-verify=false docker://${ref} oci:${out}:x`;
  const rootless = process.getuid?.() === 0 ? '' : '--rootless ';
  return {
    label: unpack ? 'skopeo copy + umoci unpack' : 'skopeo copy',
    cwd: CACHE,
    prepare: () => {
      rmSync(out, { recursive: true, force: true });
      rmSync(`${out}-bundle`, { recursive: true, force: true });
    },
    argv: unpack ? ['/bin/sh', '-c', `${copy} && umoci unpack ${rootless}--image ${out}:x ${out}-bundle >/dev/null`] : copy.split(' '),
    // umoci writes 100k files one by one: 20-80 s a run
    ...(unpack ? { maxRuns: 3 } : {}),
  };
}

function flatten(ref: string): Cmd {
  return { label: 'cairn image files', cwd: REPO_ROOT, argv: cairnArgv('image', 'files', ref, '--output', 'json') };
}

// What verify says it left aside (its report's note on referrers that are no evidence).
function skipped(args: string[]): string {
  const r = spawnSync(cairnArgv()[0]!, [...cairnArgv().slice(1), ...args, '--output', 'json'], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  const notes = (JSON.parse(r.stdout || '{}') as { notes?: string[] }).notes ?? [];
  return notes.find((n) => /referrer/.test(n)) ?? 'no note on skipped referrers';
}

export const registryGroup: BenchGroup = {
  name: 'registry',
  async setup(quick) {
    const reg = await benchRegistry();
    const scratch = await benchRegistry();
    registries = [reg, scratch];
    const small = await smallImage();
    const large = quick ? await largeImage(4, 2, 16) : await largeImage(4, 16, 16);
    const many = quick ? await manyImage(2000, 2) : await manyImage(100_000, 2);
    process.stderr.write('bench: pushing the images to the registry ...\n');
    const smallRef = pushImage(reg, small);
    const largeRef = pushImage(reg, large);
    const manyRef = pushImage(reg, many);
    const out = join(CACHE, 'out', 'pull');
    mkdirSync(join(CACHE, 'out'), { recursive: true });

    // attest: every run signs a new predicate, so every run pushes a new referrer
    const predicate = join(CACHE, 'out', 'predicate.json');
    let nonce = 0;
    const attestArgs = ['attest', `${reg.host}/bench/${small.name}:latest`, '--predicate', predicate, '--type', 'slsaprovenance1', '--key', benchKey()];
    const attest = (...extra: string[]): Cmd => ({
      label: `cairn attest${extra.length ? ` ${extra.join(' ')}` : ''}`,
      cwd: CACHE,
      prepare: () => writeFileSync(predicate, JSON.stringify({ buildDefinition: { buildType: 'https://example.com/bench', externalParameters: { nonce: nonce++ } } })),
      argv: cairnArgv(...attestArgs, ...extra),
    });
    const skopeoPush: Cmd = {
      label: 'skopeo copy (push)',
      cwd: CACHE,
      prepare: () => rmSync(scratch.storage, { recursive: true, force: true }),
      argv: ['skopeo', 'copy', '-q', '--dest-tls-verify=false', `oci:${small.layout}:latest`, `docker://${scratch.host}/bench/small:latest`],
    };
    const evidence = await evidenceData(small);
    const rows: BenchRow[] = [
      {
        id: 'attest', work: 'cairn attest: one attestation to a loopback registry', cairn: attest(), references: [skopeoPush], target: { ratio: 1.5, seconds: 0.15 },
        note: 'reference: skopeo push of a 3-layer small image into an emptied registry; the registry has no referrers API, so the sha256-<hex> index and the tags are read again right after the index write (docs/registry.md)',
        probe: () => `${countRequests([...attestArgs, '--force'])} requests`,
      },
      {
        id: 'attest-plain', work: 'cairn attest --no-index-check (one index write, no read-back)', cairn: attest('--no-index-check'), references: [skopeoPush], target: { ratio: 2, seconds: 0.15 },
        probe: () => `${countRequests([...attestArgs, '--force', '--no-index-check'])} requests`,
      },
      {
        id: 'flatten-large', work: `flatten + hash a 4-layer ${gib(large)} image from the registry`, cairn: flatten(largeRef), references: [skopeoPull(largeRef, out, false)],
        target: { ratio: 1.0, rssMiB: 200 },
      },
      {
        id: 'flatten-many', work: `flatten + hash a ${Math.round(many.entries / 1000)}k-file image from the registry`, cairn: flatten(manyRef),
        references: [skopeoPull(manyRef, out, true), skopeoPull(manyRef, out, false)], target: { ratio: 0.5 },
      },
    ];
    // mirroring: the large image with 20 referrers, registry to registry and into an oci: dir,
    // against skopeo copying the image alone (issue 19: at most 1.0x, memory flat in size)
    countRequests(['attach', largeRef, ...evidence.links, '--no-index-check']);
    const mirror = join(CACHE, 'out', 'mirror');
    const emptyScratch = () => rmSync(scratch.storage, { recursive: true, force: true });
    const emptyDir = () => rmSync(mirror, { recursive: true, force: true });
    const skopeo = (dest: string) => ['skopeo', 'copy', '-q', '--src-tls-verify=false', ...(dest.startsWith('docker:') ? ['--dest-tls-verify=false'] : []), `docker://${largeRef}`, dest];
    rows.push(
      {
        id: 'copy-registry', work: `cairn copy --referrers: ${gib(large)} 4-layer image + 20 referrers, registry to registry`,
        cairn: { label: 'cairn copy --referrers', cwd: CACHE, prepare: emptyScratch, argv: cairnArgv('copy', '--referrers', largeRef, `${scratch.host}/bench/mirror:latest`) },
        references: [{ label: 'skopeo copy (image alone)', cwd: CACHE, prepare: emptyScratch, argv: skopeo(`docker://${scratch.host}/bench/mirror:latest`) }], target: { ratio: 1.0, rssMiB: 200 },
      },
      {
        id: 'copy-oci', work: `cairn copy --referrers: ${gib(large)} 4-layer image + 20 referrers, registry to an oci: dir`,
        cairn: { label: 'cairn copy --referrers', cwd: CACHE, prepare: emptyDir, argv: cairnArgv('copy', '--referrers', largeRef, `oci:${mirror}:latest`) },
        references: [{ label: 'skopeo copy (image alone)', cwd: CACHE, prepare: emptyDir, argv: skopeo(`oci:${mirror}:latest`) }], target: { ratio: 1.0, rssMiB: 200 },
      },
    );
    if (!quick) {
      // memory must not grow with image size: the same image shape at a quarter of the size
      const quarter = await largeImage(4, 4, 16);
      const quarterRef = pushImage(reg, quarter);
      for (const [image, ref] of [[quarter, quarterRef], [large, largeRef]] as const) {
        rows.push({ id: `flatten-scale-${image.name}`, work: `flatten ${gib(image)}`, cairn: flatten(ref), references: [], target: {}, scale: { series: 'flatten + hash', n: Math.round(image.bytes / 2 ** 20), unit: 'MiB' } });
      }
    }
    // verify IMAGE@digest: 20 referrers attached to the small image
    countRequests(['attach', smallRef, ...evidence.links, '--no-index-check']);
    const verifyArgs = ['verify', smallRef, '--layout', evidence.layout, '--layout-key', evidence.ownerPub];
    rows.push({
      id: 'verify-image', work: `cairn verify IMAGE@digest, ${evidence.links.length} referrers + the image's files`, cairn: { label: 'cairn verify IMAGE', cwd: CACHE, argv: cairnArgv(...verifyArgs, '-q') }, references: [], target: { seconds: 0.5 },
      note: 'no other tool verifies an image from its referrers',
      probe: () => `${countRequests(verifyArgs)} requests`,
    });
    // the same with 100 attribute rules (ITE-11): what the rules add, against the row above
    const attrArgs = ['verify', smallRef, '--layout', evidence.attributesLayout, '--layout-key', evidence.ownerPub];
    rows.push({
      id: 'verify-image-attributes', work: `cairn verify IMAGE@digest + ${ATTRIBUTE_RULES} attribute rules over ${evidence.links.length} attestations`,
      cairn: { label: 'cairn verify IMAGE (rules)', cwd: CACHE, argv: cairnArgv(...attrArgs, '-q') },
      references: [{ label: 'cairn verify IMAGE (no rules)', cwd: CACHE, argv: cairnArgv(...verifyArgs, '-q') }], target: { ratio: 1.1 },
      note: 'the reference is the verify-image row itself: the rules may add at most 10 %',
    });
    // the same 20 links on variants of the image among 980 and 9,980 referrers of other tools
    // (tag fallback): only candidates may be fetched, so 1,000 costs at most 1.5x the 20
    const repo = smallRef.slice(0, smallRef.indexOf('@'));
    for (const [total, target] of [[quick ? 200 : 1000, { ratio: 1.5 }], [quick ? 2000 : 10_000, { rssMiB: 300 }]] as const) {
      const ref = await imageVariant(repo, small, `flood-${total}`);
      countRequests(['attach', ref, ...evidence.links, '--no-index-check']);
      await floodReferrers(ref, total - evidence.links.length);
      const args = ['verify', ref, '--layout', evidence.layout, '--layout-key', evidence.ownerPub];
      rows.push({
        id: `verify-image-${total}-referrers`, work: `cairn verify IMAGE@digest, ${evidence.links.length} evidence among ${total.toLocaleString('en')} referrers`,
        cairn: { label: `cairn verify IMAGE (${total} referrers)`, cwd: CACHE, argv: cairnArgv(...args, '-q') },
        references: 'ratio' in target ? [{ label: 'cairn verify IMAGE (20 referrers)', cwd: CACHE, argv: cairnArgv(...verifyArgs, '-q') }] : [], target,
        note: 'ratio' in target ? 'reference: the verify-image row (20 referrers)' : 'must finish, in bounded memory, and say what it left aside',
        probe: () => `${countRequests(args)} requests; ${skipped(args)}`,
      });
    }
    return rows;
  },
  async teardown() {
    await Promise.all(registries.map((r) => r.stop()));
    registries = [];
  },
};
