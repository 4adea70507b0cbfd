import type { Argv } from 'yargs';
import { CairnError } from '../errors.js';
import { Output } from './output.js';

/** What every command handler gets: its output and the process environment. */
export interface CliContext {
  out: Output;
  env: NodeJS.ProcessEnv;
}

/** Global options every command accepts. */
export interface GlobalArgs {
  debug: boolean;
  quiet: boolean;
  output: 'text' | 'json';
}

/** A CLI command: yargs wiring plus a handler that calls the library. */
export interface CommandModule {
  command: string | string[];
  describe: string;
  builder: (y: Argv) => Argv;
  run: (argv: Record<string, unknown>, ctx: CliContext) => Promise<number | void>;
  /** Subcommands (`cairn layout sign ...`); when present, `run` is reached only without one. */
  subcommands?: CommandModule[];
}

/** Reads a password from the environment variable named by --password-env. */
export function passwordFromEnv(env: NodeJS.ProcessEnv, name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const value = env[name];
  if (value === undefined) throw new CairnError('INVALID_ARGUMENT', `--password-env ${name}: the variable is not set`);
  return value;
}

/** Loads a private key file given on the command line. */
export async function loadKeyFile(path: string, env: NodeJS.ProcessEnv, passwordEnv?: string) {
  const { readPrivateKeyFile } = await import('../api/keys.js');
  return readPrivateKeyFile(path, passwordFromEnv(env, passwordEnv));
}

/** Loads a public key file given on the command line. */
export async function loadPublicKeyFile(path: string) {
  const { readPublicKeyFile } = await import('../api/keys.js');
  return readPublicKeyFile(path);
}

/** yargs array options may come back as a string, an array, or undefined. */
export function asList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}
