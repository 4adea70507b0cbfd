import type { Argv } from 'yargs';
import { CairnError } from '../../errors.js';
import { asList, loadPublicKeyFile, type CommandModule } from '../context.js';

// cairn link verify: check who signed link files (legacy or DSSE), without a layout.

export const linkCommand: CommandModule = {
  command: 'link <action> <files..>',
  describe: 'verify the signatures of link files, or show what a link records',
  builder: (y: Argv) =>
    y
      .positional('action', { choices: ['verify', 'show'] as const, describe: 'verify: check who signed each link; show: print them' })
      .positional('files', { type: 'string', array: true, describe: 'link files (.link, .intoto.jsonl, DSSE envelopes)' })
      .option('key', { alias: 'k', type: 'string', array: true, describe: 'public key(s) that must have signed each link (verify)' })
      .option('output', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text for people, or json for programs (errors too)' }),
  run: async (argv, ctx) => {
    const { checkLinkFiles } = await import('../../api/links.js');
    const keys = await Promise.all(asList(argv['key']).map(loadPublicKeyFile));
    if (argv['action'] === 'verify' && keys.length === 0) throw new CairnError('INVALID_ARGUMENT', 'link verify: give the signer\'s public key with --key');
    const show = argv['action'] === 'show';
    const reports = checkLinkFiles(asList(argv['files']), keys);
    let failed = 0;
    for (const r of reports) {
      const f = r.file;
      const ok = show || r.verified;
      if (!ok) failed++;
      if (!show) {
        ctx.out.result(ok
          ? `${f}: ok (${r.format} ${r.kind} ${r.name}, signed by ${r.signers.map((k) => k.keyId.slice(0, 8)).join(', ')})`
          : `${f}: FAILED (no valid signature by ${r.missing.map((k) => k.keyId.slice(0, 8)).join(', ')})`);
      } else if (r.link) {
        const l = r.link;
        ctx.out.result(`${f}: ${r.format} link ${l.name}, command ${JSON.stringify(l.command)}, ${Object.keys(l.materials).length} materials, ${Object.keys(l.products).length} products`);
      } else {
        ctx.out.result(`${f}: ${r.format} ${r.kind} ${r.name}`);
      }
    }
    ctx.out.json(reports.map((r) => ({ file: r.file, format: r.format, kind: r.kind, name: r.name, verified: show || r.verified, signers: r.signers.map((k) => k.keyId), ...(r.link ? { link: r.link } : {}) })));
    return failed > 0 ? 1 : 0;
  },
};
