import type { Argv } from 'yargs';
import { CairnError } from '../../errors.js';
import { asList, loadPublicKeyFile, type CommandModule } from '../context.js';

// cairn verify: in-toto-verify. Local mode: a signed layout, the keys that must have signed it,
// and a directory of links. Exit 0 pass, 1 fail, 2 bad input, 3 disk.

/** Parses repeated `--param NAME=VALUE` into a dictionary (undefined when none is given). */
export function parseParams(list: string[]): Record<string, string> | undefined {
  if (list.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const p of list) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new CairnError('INVALID_ARGUMENT', `--param ${JSON.stringify(p)}: expected NAME=VALUE`);
    const name = p.slice(0, eq);
    if (Object.prototype.hasOwnProperty.call(out, name)) throw new CairnError('INVALID_ARGUMENT', `--param ${name} is given twice`);
    out[name] = p.slice(eq + 1);
  }
  return out;
}

// `cairn verify` in local mode: layout, layout keys, link directory.
export const verifyCommand: CommandModule = {
  command: 'verify',
  describe: 'verify a supply chain against a signed layout (in-toto-verify)',
  builder: (y: Argv) =>
    y
      .option('layout', { alias: 'l', type: 'string', demandOption: true, describe: 'the signed layout (Metablock or DSSE)' })
      .option('layout-key', { alias: ['k', 'layout-keys'], type: 'string', array: true, demandOption: true, describe: 'public key(s) that must all have signed the layout' })
      .option('link-dir', { alias: 'd', type: 'string', default: '.', describe: 'directory with the links (<step>.<keyid8>.link, .intoto.jsonl)' })
      .option('param', { alias: 'P', type: 'string', array: true, describe: 'substitute {NAME} in rules, commands and inspections: NAME=VALUE' })
      .option('work-dir', { type: 'string', default: '.', describe: 'directory holding the final product, where inspections run' })
      .option('inspect-in-place', { type: 'boolean', default: false, describe: 'run inspections in --work-dir itself, not in a scratch copy of it' })
      .option('inspection-timeout', { type: 'number', default: 600, describe: 'seconds before an inspection is killed' })
      .option('key-type', { alias: 't', type: 'string', array: true, describe: 'accepted for in-toto compatibility; the type is read from the key file' })
      .option('output', { choices: ['text', 'json'] as const, default: 'text' as const })
      .example('cairn verify --layout root.layout --layout-key alice.pub --link-dir links', ''),
  run: async (argv, ctx) => {
    const { readInputText } = await import('../../disk/index.js');
    const { readSignedDocument } = await import('../../intoto/index.js');
    const { verifyLayout, LocalInspectionRunner } = await import('../../policy/index.js');
    const { DirectoryEvidenceSource } = await import('../../evidence/index.js');
    const { reportLines, verdictLine } = await import('../verify-report.js');
    const layoutPath = String(argv['layout']);
    const keys = await Promise.all(asList(argv['layout-key']).map(loadPublicKeyFile));
    const parameters = parseParams(asList(argv['param']));
    const document = readSignedDocument(readInputText(layoutPath), layoutPath);
    const timeout = Number(argv['inspection-timeout']);
    const runner = new LocalInspectionRunner({
      workDir: String(argv['work-dir']),
      inPlace: Boolean(argv['inspect-in-place']),
      timeoutMs: timeout > 0 ? timeout * 1000 : undefined,
    });
    let report;
    try {
      report = await verifyLayout({
        layout: document,
        layoutKeys: keys,
        evidence: new DirectoryEvidenceSource(String(argv['link-dir'])),
        ...(parameters ? { parameters } : {}),
        inspections: runner,
        origin: layoutPath,
      });
    } finally {
      runner.dispose();
    }
    for (const l of reportLines(report)) ctx.out.result(l);
    ctx.out.result(verdictLine(report));
    ctx.out.json(report);
    return report.verdict === 'pass' ? 0 : 1;
  },
};
