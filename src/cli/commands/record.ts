import type { Argv } from 'yargs';
import { asList, loadKeyFile, type CommandModule } from '../context.js';
import { artifactOptions, stepOptions } from './run.js';

// cairn record start|stop: in-toto-record, for steps whose work is not one command.

export const recordCommand: CommandModule = {
  command: 'record <phase>',
  describe: 'record a step in two halves: start (materials) and stop (products, writes the link)',
  builder: (y: Argv) => stepOptions(y).positional('phase', { choices: ['start', 'stop'] as const, describe: 'start: hash the materials; stop: hash the products and sign the link' }),
  run: async (argv, ctx) => {
    const { startRecording, finishRecording } = await import('../../api/steps.js');
    const key = await loadKeyFile(String(argv['key']), ctx.env, argv['password-env'] as string | undefined);
    const dir = String(argv['metadata-directory']);
    const options = {
      name: String(argv['step']),
      materials: asList(argv['materials']),
      products: asList(argv['products']),
      ...artifactOptions(argv, ctx),
    };
    if (argv['phase'] === 'start') {
      const path = await startRecording({ ...options, key, dir });
      ctx.out.info(`started ${options.name}: ${path}`);
      ctx.out.json({ unfinished: path, step: options.name });
      return;
    }
    const format = argv['format'] as 'legacy' | 'dsse';
    const written = await finishRecording({ ...options, key, format, dir });
    ctx.out.info(`wrote ${written.path}`);
    ctx.out.json({ link: written.path, step: options.name, keyid: key.publicKey.keyId, format });
  },
};
