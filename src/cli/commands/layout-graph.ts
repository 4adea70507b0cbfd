import type { Argv } from 'yargs';
import { asList, loadPublicKeyFile, type CommandModule } from '../context.js';

// cairn layout graph: draws the supply chain a layout describes (steps and inspections, who
// may sign each, MATCH rules as arrows), coloured by a `cairn verify --output json` report when
// one is given. SVG needs nothing else to view; DOT is for Graphviz; Mermaid renders on GitHub.

export const layoutGraphCommand: CommandModule = {
  command: 'graph <file>',
  describe: 'draw the supply chain of a layout (SVG, DOT or Mermaid), coloured by a verification report',
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', describe: 'the layout: Metablock, DSSE envelope, or bare layout JSON' })
      .option('verify-report', { type: 'string', describe: 'the JSON of cairn verify --output json: colour each box pass/fail and write the failing rule on it' })
      .option('key', { alias: 'k', type: 'string', array: true, describe: 'public key files whose names (alice.pub: alice) label the keyids' })
      .option('format', { choices: ['svg', 'dot', 'mermaid'] as const, default: 'svg' as const, describe: 'svg (standalone), dot (Graphviz) or mermaid (GitHub Markdown)' })
      .option('out', { alias: 'o', type: 'string', describe: 'file to write (default: standard output)' })
      .example('cairn layout graph root.layout --verify-report report.json --out chain.svg', ''),
  run: async (argv, ctx) => {
    const { readLayoutBody, readJsonFile, writeTextFile } = await import('../../api/layouts.js');
    const graph = await import('../graph/index.js');
    const file = String(argv['file']);
    const { body } = readLayoutBody(file);
    const reportFile = argv['verify-report'] as string | undefined;
    const report = reportFile ? graph.reportChecks(readJsonFile(reportFile), reportFile) : undefined;
    const { basename } = await import('node:path');
    const names = new Map<string, string>();
    for (const k of asList(argv['key'])) for (const id of (await loadPublicKeyFile(k)).keyIds) names.set(id, basename(k).replace(/\.pub$/, ''));
    const g = graph.supplyChainGraph(body, names, report);
    const format = String(argv['format']);
    const text = format === 'dot' ? graph.toDot(g) : format === 'mermaid' ? graph.toMermaid(g) : graph.toSvg(g);
    if (argv['out'] === undefined) ctx.out.stdout.write(text);
    else {
      writeTextFile(String(argv['out']), text);
      ctx.out.info(`wrote ${String(argv['out'])}: ${g.nodes.length} boxes, ${g.edges.length} arrows`);
    }
  },
};
