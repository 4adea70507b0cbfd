// "Did you mean ...": what the CLI says about a flag it does not know. A close spelling of a
// flag the command has (Levenshtein distance), or, for a flag of cosign, oras or docker that
// has a Cairn equivalent, the equivalent. yargs itself suggests commands (recommendCommands).

/** Flags of the tools Cairn users come from, and what Cairn calls them; keyed by command ('*': any). */
const FOREIGN_FLAGS: Record<string, Record<string, string>> = {
  verify: {
    key: '--layout-key PUB (the layout owner\'s public key; cosign\'s --key names the signer\'s key)',
    'certificate-identity': '--trust-root REF@sha256:... or --layout-key PUB (Cairn trusts keys in a layout, not Fulcio identities)',
    'certificate-oidc-issuer': '--trust-root REF@sha256:... or --layout-key PUB (Cairn trusts keys in a layout, not Fulcio identities)',
    policy: '--layout FILE|REF@sha256:... (the signed in-toto layout is the policy)',
  },
  '*': {
    'allow-insecure-registry': '--insecure',
    'allow-http-registry': '--plain-http',
    'registry-username': '--username USER',
    'registry-password': '--password-stdin (passwords are never taken as arguments)',
    password: '--password-stdin (passwords are never taken as arguments)',
    'output-file': '--out FILE',
    format: '--output json',
    'output-format': '--output json',
    'key-file': '--key FILE',
  },
};

/** Edit distance between two short strings (flag names); a swap of two neighbours counts as one edit. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name closest to `word`, if it is close enough to be a typo. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(word, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  // a prefix (--layout for --layout-key) is also what the user meant
  const prefix = known.find((k) => k.startsWith(word) && word.length >= 3);
  return bestDistance <= allowed ? best : prefix;
}

/**
 * Advice for an unknown flag `name` (without dashes) given to `command` (e.g. `verify`,
 * `layout sign`), which has the options `known`.
 */
export function suggestFlag(name: string, command: string, known: readonly string[]): string | undefined {
  const top = command.split(' ')[0] ?? '';
  const foreign = FOREIGN_FLAGS[command]?.[name] ?? FOREIGN_FLAGS[top]?.[name] ?? FOREIGN_FLAGS['*']?.[name];
  if (foreign && !known.includes(name)) return `cairn ${command || ''} takes ${foreign}`.replace(/ {2,}/g, ' ');
  const near = closest(name, known.filter((k) => k.length > 1));
  return near ? `did you mean --${near}?` : undefined;
}

/** The value given to `-o` when it looks like an output format: `-o` is --out (a file), as in in-toto-sign. */
export function outputFormatAsOut(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') break;
    const value = a === '-o' ? args[i + 1] : a?.startsWith('-o=') ? a.slice(3) : undefined;
    if (value && ['json', 'text', 'tree'].includes(value)) return value;
  }
  return undefined;
}

/**
 * One line for what yargs reported about a command line (`messages`, in the order reported):
 * its unknown-argument message with advice for each unknown flag, or its own suggestion of a
 * command. `known` are the options of the command that was being parsed (`command`).
 */
export function explainUsage(messages: readonly string[], args: readonly string[], command: string, known: readonly string[]): { message: string; hint?: string } {
  const unknown = messages.find((m) => /^Unknown arguments?: /.test(m));
  const didYouMean = messages.find((m) => /^Did you mean /.test(m));
  if (!unknown) return { message: messages[messages.length - 1] ?? 'invalid command line', ...(didYouMean ? { hint: didYouMean.replace(/^Did you mean/, 'did you mean') } : {}) };
  const listed = unknown.replace(/^Unknown arguments?: /, '').split(', ');
  // yargs also lists the camelCase twin of an unknown --kebab-case flag
  const names = listed.filter((n) => !/[A-Z]/.test(n) || !listed.includes(n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)));
  const hints: string[] = [];
  const shown = names.map((name) => {
    const flag = args.find((a) => a === `--${name}` || a === `-${name}` || a.startsWith(`--${name}=`));
    if (!flag) return name;
    const advice = suggestFlag(name, command, known);
    if (advice) hints.push(`${flag.replace(/=.*$/, '')}: ${advice}`);
    return flag.replace(/=.*$/, '');
  });
  if (didYouMean) hints.push(didYouMean.replace(/^Did you mean/, 'did you mean'));
  const message = `${command ? `${command}: ` : ''}unknown ${shown.length > 1 ? 'arguments' : 'argument'} ${shown.join(', ')}`;
  return { message, ...(hints.length ? { hint: hints.join('; ') } : {}) };
}
