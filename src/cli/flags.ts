import type { Argv } from 'yargs';

// yargs reads `--no-X` as "X is false" before it looks at the options a command declares
// (yargs-parser's boolean-negation), so a flag whose own name starts with `no-` never gets set:
// `cairn run --no-command` used to give `command: [false]` and `no-command: false`, and recorded
// and signed the command `["false"]`. This middleware gives such flags their meaning back:
// for every declared boolean `no-X` where X is not itself a boolean flag, `--no-X` sets
// `no-X` (and its aliases) to true and clears what yargs put into X.

type Parsed = Record<string, unknown>;

const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The middleware (run before validation) that makes `--no-X` set a flag declared as `no-X`. */
export function noFlagsMiddleware(argv: Parsed, y: Argv): void {
  const options = (y as unknown as { getOptions(): { boolean: string[]; alias: Record<string, string[]> } }).getOptions();
  const booleans = new Set(options.boolean);
  for (const name of booleans) {
    if (!name.startsWith('no-')) continue;
    const negated = name.slice(3);
    if (booleans.has(negated)) continue;
    const value = argv[negated];
    const saidNo = value === false || (Array.isArray(value) && value.length > 0 && value.every((v) => v === false));
    if (!saidNo) continue;
    for (const key of [name, ...(options.alias[name] ?? [])]) {
      argv[key] = true;
      argv[camel(key)] = true;
    }
    delete argv[negated];
    delete argv[camel(negated)];
  }
}

/** Registers noFlagsMiddleware on a parser (every command inherits it). */
export function withNoFlags(y: Argv): Argv {
  return y.middleware(noFlagsMiddleware as unknown as Parameters<Argv['middleware']>[0], true);
}
