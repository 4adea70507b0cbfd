import type { Argv } from 'yargs';
import type { CommandModule } from '../context.js';
import { registryOptions, storeAccess } from '../registry.js';
import type { DiscoveredNode } from '../../api/discover.js';
import { evidenceLines } from '../evidence-report.js';
import { keysFrom, trustedRootFrom, trustMaterialOptions } from '../ecosystem-trust.js';

// cairn discover: what is attached to an image (like `oras discover`), as a tree or JSON; for
// an image index, each platform's manifest and its referrers. --repair rebuilds the
// sha256-<hex> fallback index on registries without the referrers API.

export const discoverCommand: CommandModule = {
  command: 'discover <subject>',
  describe: 'show the referrers (attestations, links, signatures) attached to an image',
  builder: (y: Argv) =>
    trustMaterialOptions(registryOptions(y))
      .positional('subject', { type: 'string', describe: 'the image: host/repo:tag, host/repo@sha256:..., or oci:DIR:tag' })
      .option('artifact-type', { type: 'string', describe: 'only referrers of this artifactType (e.g. application/vnd.in-toto+json)' })
      .option('depth', { type: 'number', default: 4, describe: 'how deep to follow referrers of referrers' })
      .option('repair', { type: 'boolean', default: false, describe: 'rebuild the sha256-<hex> referrers index from the per-referrer tags first' })
      .option('predicate-type', { type: 'string', describe: 'only evidence of this predicate type (filtered by annotations before any blob is pulled)' })
      .option('max-layer-bytes', { type: 'number', default: 4 * 1024 * 1024, describe: 'largest evidence layer read; bigger ones are listed, not read' })
      .option('output', { choices: ['tree', 'json', 'text'] as const, default: 'tree' as const, describe: 'tree or text for people, or json for programs (errors too)' }),
  run: async (argv, ctx) => {
    const { discoverImage } = await import('../../api/discover.js');
    const d = await discoverImage({
      ...(await storeAccess(argv, ctx)),
      subject: String(argv['subject']),
      ...(argv['artifact-type'] ? { artifactType: argv['artifact-type'] as string } : {}),
      ...(argv['predicate-type'] ? { predicateType: argv['predicate-type'] as string } : {}),
      depth: Number(argv['depth']),
      maxLayerBytes: Number(argv['max-layer-bytes']),
      repair: Boolean(argv['repair']),
      keys: await keysFrom(argv),
      ...(await trustedRootFrom(argv)),
    });
    if (d.repaired) ctx.out.info(`repaired referrers index of ${d.subject}: ${d.repaired.added.length} added, ${d.repaired.removed.length} dangling removed, ${d.repaired.total} listed`);
    ctx.out.json({ ...(toJson(d.tree) as object), evidence: d.evidence });
    ctx.out.result(d.image);
    printChildren(d.tree, '', (l) => ctx.out.result(l));
    if (d.evidence.length) ctx.out.result('evidence:');
    for (const line of evidenceLines(d.evidence)) ctx.out.result(`  ${line}`);
  },
};

function toJson(node: DiscoveredNode): unknown {
  return {
    ...node.descriptor,
    ...(node.platform ? { platform: node.platform } : {}),
    ...(node.manifests.length ? { manifests: node.manifests.map(toJson) } : {}),
    referrers: node.referrers.map(toJson),
  };
}

function summary(d: DiscoveredNode['descriptor']): string {
  const a = d.annotations ?? {};
  const parts = [a['dev.cairn.step'] && `step ${a['dev.cairn.step']}`, a['in-toto.io/predicate-type'], a['dev.cairn.keyids'] && `keyid ${a['dev.cairn.keyids'].split(',').map((k) => k.slice(0, 8)).join(',')}`];
  const text = parts.filter(Boolean).join(', ');
  return text ? `  (${text})` : '';
}

// oras-style: platform manifests first, then referrers grouped by artifactType.
function printChildren(node: DiscoveredNode, prefix: string, print: (line: string) => void): void {
  const groups = new Map<string, DiscoveredNode[]>();
  for (const r of node.referrers) {
    const t = r.descriptor.artifactType ?? '(no artifactType)';
    groups.set(t, [...(groups.get(t) ?? []), r]);
  }
  const items: { label: string; children: (p: string) => void }[] = [];
  for (const m of node.manifests) {
    const p = m.platform ? `${m.platform.os}/${m.platform.architecture}${m.platform.variant ? `/${m.platform.variant}` : ''}` : m.descriptor.mediaType;
    items.push({ label: `[${p}] ${m.descriptor.digest}`, children: (pp) => printChildren(m, pp, print) });
  }
  for (const [type, members] of groups) {
    items.push({
      label: type,
      children: (pp) =>
        members.forEach((r, i) => {
          const last = i === members.length - 1;
          print(`${pp}${last ? '└── ' : '├── '}${r.descriptor.digest}${summary(r.descriptor)}`);
          printChildren(r, `${pp}${last ? '    ' : '│   '}`, print);
        }),
    });
  }
  items.forEach((item, i) => {
    const last = i === items.length - 1;
    print(`${prefix}${last ? '└── ' : '├── '}${item.label}`);
    item.children(`${prefix}${last ? '    ' : '│   '}`);
  });
}
