import type { Argv } from 'yargs';
import { loadKeyFile, type CommandModule } from '../context.js';
import { CAIRN_VERSION } from '../version.js';

// cairn serve --config FILE: the deploy gate (docs/serve.md). Logs are JSON lines on stdout;
// SIGTERM/SIGINT stop it gracefully (not ready, in-flight requests finish), exit 0.

export const serveCommand: CommandModule = {
  command: 'serve',
  describe: 'run the deploy gate: an HTTPS server answering Gatekeeper external data (and Kyverno) requests',
  builder: (y: Argv) =>
    y
      .option('config', { alias: 'c', type: 'string', demandOption: true, describe: 'the config file (JSON; see docs/serve.md)' })
      .option('summary-key', { type: 'string', describe: 'sign each PASS as a verification summary (VSA) attached to the image; summaries by this key are trusted' })
      .option('password-env', { type: 'string', describe: 'environment variable holding the summary key\'s passphrase' })
      .option('grace', { type: 'number', default: 10, describe: 'seconds in-flight requests get to finish on SIGTERM' })
      .example('cairn serve --config /etc/cairn/serve.json', 'serve the policies of the config at /verify/<name>'),
  run: async (argv, ctx) => {
    const { loadServeConfig, startGate, LogSink } = await import('../../serve/index.js');
    const config = loadServeConfig(String(argv['config']));
    const summaryKey = argv['summary-key'] ? await loadKeyFile(String(argv['summary-key']), ctx.env, argv['password-env'] as string | undefined) : undefined;
    // JSON lines on stdout that never block a decision (src/serve/log-sink.ts)
    const sink = new LogSink(1);
    const log = (r: Record<string, unknown>) => sink.write(r);
    // the handlers are in place before the gate says it listens
    let stopped: (signal: string) => void = () => undefined;
    const signalled = new Promise<string>((resolve) => (stopped = resolve));
    const onTerm = () => stopped('SIGTERM');
    const onInt = () => stopped('SIGINT');
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onInt);
    try {
      const gate = await startGate(config, { log, logJson: (json) => sink.writeJson(json), version: CAIRN_VERSION, ...(summaryKey ? { summaryKey } : {}) });
      log({ level: 'info', msg: 'stopping', signal: await signalled });
      await gate.close(Number(argv['grace']) * 1000);
    } finally {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      await sink.close();
    }
    return 0;
  },
};
