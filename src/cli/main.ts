import yargs, { type Argv } from 'yargs';
import { CairnError, exitCodeFor } from '../errors.js';
import { Output } from './output.js';
import type { CliContext, CommandModule } from './context.js';
import { keyCommand } from './commands/key.js';
import { runCommand } from './commands/run.js';
import { recordCommand } from './commands/record.js';
import { linkCommand } from './commands/link.js';
import { trustCommand } from './commands/trust.js';
import { imageCommand } from './commands/image.js';
import { attestCommand } from './commands/attest.js';
import { attachCommand } from './commands/attach.js';
import { discoverCommand } from './commands/discover.js';
import { copyCommand } from './commands/copy.js';
import { layoutCommand } from './commands/layout.js';
import { verifyCommand } from './commands/verify.js';
import { verifyAttestationCommand } from './commands/verify-attestation.js';

// The CLI: parse, call the library, print, exit. Command modules load the library lazily so
// that each command pays start-up only for what it uses.

const COMMANDS: CommandModule[] = [
  keyCommand, runCommand, recordCommand, linkCommand, layoutCommand, verifyCommand,
  attestCommand, attachCommand, discoverCommand, copyCommand, imageCommand, trustCommand, verifyAttestationCommand,
];

/**
 * Runs a worker thread's module inside the bundled CLI: dist/bundle/<name>-worker.js loads the
 * bundle with its V8 code cache and calls this, so a thread starts as fast as the CLI does.
 */
export async function thread(name: string): Promise<void> {
  if (name === 'examine') (await import('../policy/index.js')).serveExamineJobs();
  else throw new CairnError('INTERNAL', `no thread named ${name}`);
}

/** Runs the CLI with `args` (without node and script) and returns the exit code. */
export async function main(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const debug = args.includes('--debug');
  const format = jsonRequested(args) ? 'json' : 'text';
  let out = new Output({ debug, format });
  let exit = 0;
  let usageError: string | undefined;
  try {
    let parser: Argv = yargs(args)
      .scriptName('cairn')
      .parserConfiguration({ 'populate--': true, 'duplicate-arguments-array': true, 'strip-aliased': true })
      .option('debug', { type: 'boolean', default: false, describe: 'show stack traces and request details' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'print only results and warnings' })
      .strict()
      .demandCommand(1, 'give a command (see cairn --help)')
      .recommendCommands()
      .exitProcess(false)
      .wrap(Math.min(110, process.stdout.columns ?? 100))
      .fail((msg, err) => {
        if (err) throw err;
        usageError = msg;
      })
      .version()
      .help();
    const handler = (cmd: CommandModule) => async (argv: Record<string, unknown>) => {
      if (usageError) return; // yargs still calls the handler after .fail() when exitProcess is off
      out = new Output({ debug, quiet: Boolean(argv['quiet']), format: argv['output'] === 'json' ? 'json' : 'text' });
      const ctx: CliContext = { out, env };
      const code = await cmd.run(argv, ctx);
      exit = code ?? 0;
    };
    // A command with subcommands registers each with the same handler wrapper.
    const register = (y: Argv, cmd: CommandModule): Argv =>
      y.command({
        command: cmd.command,
        describe: cmd.describe,
        builder: cmd.subcommands
          ? (b: Argv) => cmd.subcommands!.reduce(register, cmd.builder(b)).demandCommand(1, `give a subcommand (see cairn ${String(cmd.command).split(' ')[0]} --help)`)
          : cmd.builder,
        handler: handler(cmd),
      });
    parser = COMMANDS.reduce(register, parser);
    skipHelpCache(parser);
    await parser.parseAsync();
    if (usageError) {
      out.stderr.write(`cairn: ${usageError}\n`);
      return 2;
    }
    return exit;
  } catch (err) {
    return report(err, out, debug);
  }
}

// yargs renders the full help text of every command it runs, in case the handler fails and help
// must be shown (command.js: cacheHelpMessage). Cairn's fail handler never shows help, so that
// is 20-30 ms of start-up (string widths, wrapping) spent for nothing on every command.
function skipHelpCache(parser: Argv): void {
  const internal = (parser as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } }).getInternalMethods?.();
  const usage = internal?.getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
}

function jsonRequested(args: string[]): boolean {
  const i = args.indexOf('--output');
  return args.includes('--output=json') || (i >= 0 && args[i + 1] === 'json');
}

// One line for a user error with its exit code; a stack only for a bug or with --debug.
function report(err: unknown, out: Output, debug: boolean): number {
  if (err instanceof CairnError) {
    out.stderr.write(`cairn: ${err.message}\n`);
    if (debug && err.stack) out.stderr.write(`${err.stack}\n`);
    return exitCodeFor(err.code);
  }
  const e = err instanceof Error ? err : new Error(String(err));
  out.stderr.write(`cairn: internal error (a bug; please report it): ${e.message}\n${e.stack ?? ''}\n`);
  return 70;
}
