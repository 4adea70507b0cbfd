import type { Argv } from 'yargs';
import { createInterface } from 'node:readline';
import { CairnError } from '../../errors.js';
import type { CliContext, CommandModule } from '../context.js';
import { accessOptions, registryOptions, stdinPasswordOnce } from '../registry.js';
import type { CredentialLocation } from '../../api/login.js';

// cairn login / cairn logout, as docker and oras do them: the credentials are checked against
// the registry before they are stored (Docker's config.json at 0600, or its credential helper),
// and every registry command then finds them there. A password is never a command-line
// argument (it would show in `ps` and shell history): standard input, or a prompt on a terminal.

function describeLocation(l: CredentialLocation): string {
  return l.kind === 'helper' ? `credential helper docker-credential-${l.helper}` : l.path;
}

// Asks on the terminal; the password is not echoed.
async function prompt(question: string, hidden: boolean): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (hidden) {
    const internal = rl as unknown as { _writeToOutput: (s: string) => void };
    internal._writeToOutput = (s: string) => {
      if (s.startsWith(question) || s === '\r\n' || s === '\n') process.stderr.write(s.startsWith(question) ? question : s);
    };
  }
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
    if (hidden) process.stderr.write('\n');
  }
}

async function credentialsFrom(argv: Record<string, unknown>): Promise<{ username: string; password: string }> {
  const tty = process.stdin.isTTY === true;
  let username = argv['username'] as string | undefined;
  if (username === undefined) {
    if (!tty || argv['password-stdin']) throw new CairnError('INVALID_ARGUMENT', 'give the user name with --username (and the password on standard input with --password-stdin)');
    username = (await prompt('Username: ', false)).trim();
  }
  let password: string;
  if (argv['password-stdin']) password = await stdinPasswordOnce();
  else if (tty) password = await prompt('Password: ', true);
  else throw new CairnError('INVALID_ARGUMENT', 'give the password on standard input with --password-stdin (passwords are never taken on the command line)');
  return { username, password };
}

export const loginCommand: CommandModule = {
  command: 'login <registry>',
  describe: 'log in to a registry: check the credentials, then store them in Docker\'s config.json or its credential helper',
  builder: (y: Argv) =>
    registryOptions(y)
      .positional('registry', { type: 'string', describe: 'the registry host, e.g. ghcr.io or 127.0.0.1:5000' })
      .option('output', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'output format' })
      .example('echo "$TOKEN" | cairn login ghcr.io -u USER --password-stdin', ''),
  run: async (argv, ctx: CliContext) => {
    const { logIn } = await import('../../api/login.js');
    const { username, password } = await credentialsFrom(argv);
    const access = await accessOptions({ ...argv, username: undefined, 'password-stdin': false }, ctx);
    const r = await logIn({ registry: String(argv['registry']), username, password, access });
    ctx.out.info(`credentials stored in ${describeLocation(r.stored)}`);
    ctx.out.result('Login Succeeded');
    ctx.out.json({ registry: r.host, username, stored: r.stored });
  },
};

export const logoutCommand: CommandModule = {
  command: 'logout <registry>',
  describe: 'forget the stored credentials of a registry',
  builder: (y: Argv) =>
    y
      .positional('registry', { type: 'string', describe: 'the registry host, as given to cairn login' })
      .option('output', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'output format' }),
  run: async (argv, ctx: CliContext) => {
    const { logOut } = await import('../../api/login.js');
    const r = await logOut({ registry: String(argv['registry']), env: ctx.env });
    ctx.out.result(r.removed ? `Removed login credentials for ${r.host}` : `Not logged in to ${r.host}`);
    ctx.out.json({ registry: r.host, removed: r.removed, location: r.location });
  },
};
