import type { Argv } from 'yargs';
import { CairnError } from '../../errors.js';
import { asList, loadKeyFile, loadPublicKeyFile, type CommandModule } from '../context.js';
import { layoutPullCommand, layoutPushCommand } from './layout-registry.js';
import { layoutGraphCommand } from './layout-graph.js';

// cairn layout create | sign | check. Each subcommand is its own CommandModule in
// `layoutCommand.subcommands`; registry subcommands (push, pull) are added to that list the
// same way from their own file.

const layoutCreate: CommandModule = {
  command: 'create',
  describe: 'write an editable, unsigned layout skeleton',
  builder: (y: Argv) =>
    y
      .option('out', { alias: 'o', type: 'string', default: 'root.layout', describe: 'file to write' })
      .option('step', { type: 'string', array: true, describe: 'a step, in order: NAME or NAME=KEY.pub[,KEY.pub...] (default: build, package)' })
      .option('key', { alias: 'k', type: 'string', array: true, describe: 'public key(s) of the functionaries of steps given without keys' })
      .option('expires', { type: 'string', default: '30d', describe: 'expiry: 30d, 12h, 2w, 1y or a date' })
      .option('readme', { type: 'string', default: '', describe: 'the layout\'s readme text' })
      .option('image', { type: 'boolean', default: true, describe: 'write the image inspection (cairn:image) that binds the layout to the image (negate it for a layout verified only against local links, as by in-toto-verify)' })
      .option('force', { type: 'boolean', default: false, describe: 'replace an existing file' })
      .option('output', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text for people, or json for programs (errors too)' }),
  run: async (argv, ctx) => {
    const { writeLayoutSkeleton } = await import('../../api/layouts.js');
    const common = await Promise.all(asList(argv['key']).map(loadPublicKeyFile));
    const specs = asList(argv['step']);
    const steps = [];
    for (const spec of specs.length > 0 ? specs : ['build', 'package']) {
      const eq = spec.indexOf('=');
      const name = eq < 0 ? spec : spec.slice(0, eq);
      if (!name) throw new CairnError('INVALID_ARGUMENT', `--step ${JSON.stringify(spec)}: give NAME or NAME=KEY.pub[,KEY.pub]`);
      const keys = eq < 0 ? common : await Promise.all(spec.slice(eq + 1).split(',').filter(Boolean).map(loadPublicKeyFile));
      if (keys.length === 0) throw new CairnError('INVALID_ARGUMENT', `step ${name}: no functionary key (give --key KEY.pub, or --step ${name}=KEY.pub)`);
      steps.push({ name, keys });
    }
    const image = argv['image'] !== false;
    const out = String(argv['out']);
    writeLayoutSkeleton({ out, steps, expires: String(argv['expires']), readme: String(argv['readme']), image, overwrite: Boolean(argv['force']) });
    const last = steps[steps.length - 1]!.name;
    const bound = image ? `; the image inspection admits only files that ${last} produced (same names) and execution parameters it recorded as image-config/<Field>` : '; no image inspection (--no-image): `cairn verify IMAGE` refuses it unless counted evidence names the image';
    ctx.out.result(`wrote ${out}: unsigned layout with steps ${steps.map((s) => s.name).join(', ')}${bound}; edit it, then: cairn layout sign ${out} --key OWNER`);
    ctx.out.json({ layout: out, steps: steps.map((s) => s.name), imageInspection: image });
  },
};

const layoutSign: CommandModule = {
  command: 'sign <file>',
  describe: 'sign a layout with one or more owner keys (keeps other signatures and unknown fields)',
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', describe: 'layout: Metablock, DSSE envelope, or bare layout JSON' })
      .option('key', { alias: 'k', type: 'string', array: true, demandOption: true, describe: 'private key(s) of the layout owner(s)' })
      .option('password-env', { type: 'string', describe: 'environment variable holding the key passphrase' })
      .option('format', { choices: ['legacy', 'dsse'] as const, describe: 'write a Metablock (in-toto 1.x) or a DSSE envelope (default: as read)' })
      .option('expires', { type: 'string', describe: 'set expires first: 30d, 12h, 2w, 1y or a date' })
      .option('out', { alias: 'o', type: 'string', describe: 'file to write (default: replace the input)' })
      .option('force', { type: 'boolean', default: false, describe: 'allow a format change to drop other keys\' signatures' })
      .option('output', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text for people, or json for programs (errors too)' }),
  run: async (argv, ctx) => {
    const { signLayoutFile } = await import('../../api/layouts.js');
    const file = String(argv['file']);
    const keys = [];
    for (const k of asList(argv['key'])) keys.push(await loadKeyFile(k, ctx.env, argv['password-env'] as string | undefined));
    const signed = await signLayoutFile({
      file,
      keys,
      ...(argv['out'] !== undefined ? { out: String(argv['out']) } : {}),
      ...(argv['format'] !== undefined ? { format: argv['format'] as 'legacy' | 'dsse' } : {}),
      ...(argv['expires'] !== undefined ? { expires: String(argv['expires']) } : {}),
      force: Boolean(argv['force']),
    });
    for (const w of signed.warnings) ctx.out.warn(w);
    const ids = keys.map((k) => k.publicKey.keyId);
    const out = signed.out;
    ctx.out.result(`wrote ${out} (${signed.format}), signed by ${ids.map((i) => i.slice(0, 8)).join(', ')}; ${signed.signatures} signature(s) in all`);
    ctx.out.json({ layout: out, format: signed.format, signedBy: ids, signatures: signed.signatures, warnings: signed.warnings });
  },
};

const layoutCheck: CommandModule = {
  command: 'check <file>',
  describe: 'check a layout statically: rules, names, keys, thresholds, dates',
  builder: (y: Argv) =>
    y.positional('file', { type: 'string', describe: 'the layout: Metablock, DSSE envelope, or bare layout JSON' }).option('output', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text for people, or json for programs (errors too)' }),
  run: async (argv, ctx) => {
    const { checkLayoutFile } = await import('../../api/layouts.js');
    const file = String(argv['file']);
    const { body, signatures, problems } = await checkLayoutFile(file);
    for (const p of problems) ctx.out.result(`${file}: ${p.severity}: ${p.path ? `${p.path}: ` : ''}${p.message}`);
    const errors = problems.filter((p) => p.severity === 'error').length;
    if (errors === 0) {
      const b = body as { steps?: unknown[]; inspect?: unknown[] };
      const n = (k: number, w: string) => `${k} ${w}${k === 1 ? '' : 's'}`;
      ctx.out.result(`${file}: ok (${n(b.steps?.length ?? 0, 'step')}, ${n(b.inspect?.length ?? 0, 'inspection')}, ${n(signatures, 'signature')}, not verified here)`);
    }
    ctx.out.json({ file, ok: errors === 0, signatures, problems });
    return errors === 0 ? 0 : 1;
  },
};

// `cairn layout`: only its subcommands do anything.
export const layoutCommand: CommandModule = {
  command: 'layout',
  describe: 'create, sign and check layouts',
  builder: (y: Argv) => y,
  run: async () => 2,
  subcommands: [layoutCreate, layoutSign, layoutCheck, layoutPushCommand, layoutPullCommand, layoutGraphCommand],
};
