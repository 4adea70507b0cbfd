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
    const { readSignedDocument, verifyDocument, interpretPayload } = await import('../../intoto/index.js');
    const { keyVerifier } = await import('../../crypto/index.js');
    const { readInputText } = await import('../../disk/index.js');
    const files = asList(argv['files']);
    const keys = await Promise.all(asList(argv['key']).map(loadPublicKeyFile));
    if (argv['action'] === 'verify' && keys.length === 0) throw new CairnError('INVALID_ARGUMENT', 'link verify: give the signer\'s public key with --key');
    const verifiers = keys.map(keyVerifier);
    const results = [];
    let failed = 0;
    for (const f of files) {
      const doc = readSignedDocument(readInputText(f), f);
      const v = verifyDocument(doc, verifiers, f);
      const payload = interpretPayload(v.body, f);
      const name = payload.kind === 'link' ? payload.link.name : payload.kind === 'statement' ? payload.statement.predicateType : 'layout';
      const signedBy = new Set(v.signers.map((k) => k.fingerprint));
      const missing = keys.filter((k) => !signedBy.has(k.fingerprint));
      const ok = argv['action'] === 'show' || missing.length === 0;
      if (!ok) failed++;
      results.push({ file: f, format: doc.format, kind: payload.kind, name, verified: ok, signers: v.signers.map((k) => k.keyId), ...(payload.kind === 'link' ? { link: payload.link } : {}) });
      if (argv['action'] === 'verify') {
        ctx.out.result(ok
          ? `${f}: ok (${doc.format} ${payload.kind} ${name}, signed by ${v.signers.map((k) => k.keyId.slice(0, 8)).join(', ')})`
          : `${f}: FAILED (no valid signature by ${missing.map((k) => k.keyId.slice(0, 8)).join(', ')})`);
      } else if (payload.kind === 'link') {
        const l = payload.link;
        ctx.out.result(`${f}: ${doc.format} link ${l.name}, command ${JSON.stringify(l.command)}, ${Object.keys(l.materials).length} materials, ${Object.keys(l.products).length} products`);
      } else {
        ctx.out.result(`${f}: ${doc.format} ${payload.kind} ${name}`);
      }
    }
    ctx.out.json(results);
    return failed > 0 ? 1 : 0;
  },
};
