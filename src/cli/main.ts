import yargs, { type Argv } from 'yargs';
import { CairnError } from '../errors.js';
import { exitCodeFor } from './exit-codes.js';
import { Output } from './output.js';
import { withNoFlags } from './flags.js';
import { CAIRN_VERSION } from './version.js';
import { hintFor } from './hints.js';
import { explainUsage, outputFormatAsOut } from './suggest.js';
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
import { loginCommand, logoutCommand } from './commands/login.js';
import { completionCommand, enableCompletion } from './completion.js';
import { serveCommand } from './commands/serve.js';
import { verifyAttestationCommand } from './commands/verify-attestation.js';

// The CLI: parse, call the library, print, exit. Command modules load the library lazily so
// that each command pays start-up only for what it uses.

/** Every command, in the order help lists them. */
export const COMMANDS: CommandModule[] = [
  keyCommand, runCommand, recordCommand, linkCommand, layoutCommand, verifyCommand,
  attestCommand, attachCommand, discoverCommand, copyCommand, imageCommand, trustCommand,
  verifyAttestationCommand, serveCommand, loginCommand, logoutCommand, completionCommand,
];

/**
 * Runs a worker thread's module inside the bundled CLI: dist/bundle/<name>-worker.js loads the
 * bundle with its V8 code cache and calls this, so a thread starts as fast as the CLI does.
 */
export async function thread(name: string): Promise<void> {
  await (await import('../api/threads.js')).serveThread(name);
}

/** Runs the CLI with `args` (without node and script) and returns the exit code. */
export async function main(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const debug = args.includes('--debug');
  const format = jsonRequested(args) ? 'json' : 'text';
  let out = new Output({ debug, format });
  let exit = 0;
  const usageErrors: string[] = [];
  // the innermost command yargs built, and its name: whose options an unknown flag is compared to
  let building: { path: string; options: string[] } = { path: '', options: [] };
  try {
    const formatAsOut = outputFormatAsOut(args);
    if (formatAsOut) return usage(out, { message: `-o ${formatAsOut}: -o is --out (the file to write, as in in-toto-sign)`, hint: `for ${formatAsOut} output give --output ${formatAsOut}` });
    let parser: Argv = withNoFlags(yargs(args))
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
        usageErrors.push(msg);
      })
      // yargs' own .version() reads the package.json nearest the working directory: the user's
      .version(CAIRN_VERSION)
      .help();
    const handler = (cmd: CommandModule) => async (argv: Record<string, unknown>) => {
      if (usageErrors.length) return; // yargs still calls the handler after .fail() when exitProcess is off
      out = new Output({ debug, quiet: Boolean(argv['quiet']), format: argv['output'] === 'json' ? 'json' : 'text' });
      const ctx: CliContext = { out, env };
      const code = await cmd.run(argv, ctx);
      exit = code ?? 0;
    };
    // A command with subcommands registers each with the same handler wrapper.
    const register = (prefix: string) => (y: Argv, cmd: CommandModule): Argv => {
      const path = `${prefix}${String(Array.isArray(cmd.command) ? cmd.command[0] : cmd.command).split(' ')[0]}`;
      const build = (b: Argv): Argv => {
        const built = cmd.builder(b);
        building = { path, options: optionNames(built) };
        return cmd.subcommands ? cmd.subcommands.reduce(register(`${path} `), built).demandCommand(1, `give a subcommand (see cairn ${path} --help)`) : built;
      };
      return y.command({ command: cmd.command, describe: cmd.describe, builder: build, handler: handler(cmd) });
    };
    parser = enableCompletion(COMMANDS.reduce(register(''), parser));
    building = { path: '', options: optionNames(parser) };
    skipHelpCache(parser);
    await parser.parseAsync();
    if (usageErrors.length) return usage(out, explainUsage(usageErrors, args, building.path, building.options));
    return exit;
  } catch (err) {
    return report(err, out, debug, args);
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

// A usage error: one line (or one JSON object) and exit 2.
function usage(out: Output, e: { message: string; hint?: string }): number {
  if (out.format === 'json') out.error({ code: 'USAGE', message: e.message, hint: e.hint ?? 'see cairn --help', exitCode: 2 });
  else out.stderr.write(`cairn: ${e.message}${e.hint ? ` (hint: ${e.hint})` : ''}\n`);
  return 2;
}

// The long names of a parser's options (yargs keeps them in getOptions().key).
function optionNames(parser: Argv): string[] {
  const options = (parser as unknown as { getOptions?: () => { key?: Record<string, unknown> } }).getOptions?.();
  return Object.keys(options?.key ?? {});
}

function jsonRequested(args: string[]): boolean {
  const i = args.indexOf('--output');
  return args.includes('--output=json') || (i >= 0 && args[i + 1] === 'json');
}

// One line for a user error, with what to do about it, and its exit code; a stack only for a bug
// or with --debug.
function report(err: unknown, out: Output, debug: boolean, args: string[]): number {
  if (err instanceof CairnError) {
    const hint = hintFor(err, args);
    const exitCode = exitCodeFor(err.code);
    if (out.format === 'json') out.error({ code: err.code, message: err.message, hint: hint ?? null, exitCode, ...(err.where ? { where: err.where } : {}), ...(err.details ? { details: err.details } : {}) });
    else out.stderr.write(`cairn: ${err.message}${hint ? ` (hint: ${hint})` : ''}\n`);
    if (debug && err.stack) out.stderr.write(`${err.stack}\n`);
    return exitCode;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  if (out.format === 'json') out.error({ code: 'INTERNAL', message: `internal error (a bug; please report it): ${e.message}`, hint: null, exitCode: 70 });
  out.stderr.write(`cairn: internal error (a bug; please report it): ${e.message}\n${e.stack ?? ''}\n`);
  return 70;
}
