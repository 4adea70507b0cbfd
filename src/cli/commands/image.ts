import type { Argv } from 'yargs';
import type { CommandModule } from '../context.js';
import { registryOptions, storeAccess } from '../registry.js';

// cairn image files REF: what the rule engine sees of an image, through the same code as
// `cairn verify IMAGE` (imageArtifactMap): its flattened regular files and symlinks with their
// sha256 (or, for a symlink that leads to no file of the image, `symlink:TARGET`), the reserved
// /oci/manifest, /oci/config (/oci/index) digests and the /config/<Field> execution parameters;
// with --output json every entry of the flattened tree (type, size, mode, link target) and how
// each layer was read.

const imageFiles: CommandModule = {
  command: 'files <reference>',
  describe: 'list the files of an image as the rule engine sees them (flattened layers, sha256 of each file)',
  builder: (y: Argv) =>
    registryOptions(y)
      .positional('reference', { type: 'string', describe: 'the image: REF[:tag|@sha256:...] or oci:DIR[:tag|@sha256:...]' })
      .option('platform', { type: 'string', describe: 'the platform (os/arch[/variant]) to list, for a multi-platform index' })
      .option('output', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text for people, or json for programs (errors too)' }),
  run: async (argv, ctx) => {
    const { imageFilesOf } = await import('../../api/image.js');
    const text = String(argv['reference']);
    const r = await imageFilesOf({ ...(await storeAccess(argv, ctx)), reference: text, ...(argv['platform'] ? { platform: String(argv['platform']) } : {}) });
    if (!r.pinned) ctx.out.info(`${text} resolved to ${r.root.digest}`);
    // sha256sum lines; a symlink that leads to no regular file shows its digest set as `symlink:TARGET`.
    const digestText = (d: Record<string, string>) => d['sha256'] ?? Object.entries(d).map(([k, v]) => `${k}:${v}`).join(',');
    for (const [path, d] of Object.entries(r.artifacts).sort(([a], [b]) => (a < b ? -1 : 1))) ctx.out.result(`${digestText(d)}  ${path}`);
    const brief = (d: { mediaType: string; digest: string; size: number }) => ({ mediaType: d.mediaType, digest: d.digest, size: d.size });
    ctx.out.json({
      ...(r.index ? { index: brief(r.index) } : {}),
      manifest: brief(r.image.manifest),
      config: brief(r.image.config),
      layers: r.image.files.layers,
      files: r.image.files.files,
      artifacts: r.artifacts,
    });
  },
};

// `cairn image`: only its subcommands do anything.
export const imageCommand: CommandModule = {
  command: 'image',
  describe: 'look into an image: its files as the rule engine sees them',
  builder: (y: Argv) => y,
  run: async () => 2,
  subcommands: [imageFiles],
};
