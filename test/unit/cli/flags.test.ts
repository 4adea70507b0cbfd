import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yargs from 'yargs';
import { COMMANDS, main } from '../../../src/cli/main.js';
import type { CommandModule } from '../../../src/cli/context.js';
import { tmpDir } from '../../helpers/tmp.js';

// Issue 13 §7: `cairn run --no-command` recorded and signed the command ["false"] (yargs read
// `--no-command` as `command=false`). Every boolean flag of every command is driven through the
// real parser (main) here, with the command's handler replaced by one that keeps what it got.

// Arguments that get each command past its required options and positionals.
const BASE: Record<string, string[]> = {
  'key generate': ['key', 'generate'],
  'key show': ['key', 'show', 'f'],
  run: ['run', '-n', 's', '-k', 'k'],
  record: ['record', 'start', '-n', 's', '-k', 'k'],
  link: ['link', 'show'],
  'layout create': ['layout', 'create'],
  'layout sign': ['layout', 'sign', 'f', '-k', 'k'],
  'layout check': ['layout', 'check', 'f'],
  'layout push': ['layout', 'push', 'f', 'r'],
  'layout pull': ['layout', 'pull', 'r'],
  verify: ['verify', '--layout', 'l'],
  attest: ['attest', 's', '--predicate', 'p', '--type', 't', '-k', 'k'],
  attach: ['attach', 's', 'f'],
  discover: ['discover', 's'],
  copy: ['copy', 'a', 'b'],
  'layout graph': ['layout', 'graph', 'f'],
  'image files': ['image', 'files', 'r'],
  'trust init': ['trust', 'init'],
  'trust rotate': ['trust', 'rotate'],
  'trust sign': ['trust', 'sign'],
  'trust show': ['trust', 'show'],
  'trust push': ['trust', 'push', 'f', 'r'],
  serve: ['serve', '--config', 'c'],
  login: ['login', 'r'],
  logout: ['logout', 'r'],
  completion: ['completion', 'bash'],
  'verify-attestation': ['verify-attestation', 's', '--key', 'k'],
};

// Every runnable command with its name path (`layout sign`).
function leaves(list: CommandModule[], prefix = ''): { name: string; cmd: CommandModule }[] {
  return list.flatMap((cmd) => {
    const name = `${prefix}${String(cmd.command).split(' ')[0]}`;
    return cmd.subcommands ? leaves(cmd.subcommands, `${name} `) : [{ name, cmd }];
  });
}

async function parsed(cmd: CommandModule, args: string[]): Promise<Record<string, unknown>> {
  const run = cmd.run;
  let got: Record<string, unknown> | undefined;
  cmd.run = async (argv) => {
    got = argv;
  };
  try {
    const code = await main(args, {});
    assert.equal(code, 0, `cairn ${args.join(' ')} exited ${code}`);
  } finally {
    cmd.run = run;
  }
  assert.ok(got, `the handler of cairn ${args.join(' ')} was not reached`);
  return got;
}

describe('negatable flags', () => {
  it('every boolean flag of every command reads --flag as true and --no-flag as false; a flag named no-X is set by --no-X', async () => {
    let checked = 0;
    for (const { name, cmd } of leaves(COMMANDS)) {
      const base = BASE[name];
      assert.ok(base, `give base arguments for \`cairn ${name}\` in this test`);
      const options = (cmd.builder(yargs([])) as unknown as { getOptions(): { boolean: string[]; alias: Record<string, string[]>; default: Record<string, unknown> } }).getOptions();
      for (const flag of options.boolean.filter((b) => b !== 'help' && b !== 'version' && b.length > 1)) {
        const short = (options.alias[flag] ?? []).filter((a) => a.length === 1);
        if (flag.startsWith('no-')) {
          const plain = flag.slice(3);
          for (const form of [`--${flag}`, ...short.map((s) => `-${s}`)]) {
            const argv = await parsed(cmd, [...base, form]);
            assert.equal(argv[flag], true, `cairn ${name} ${form}: ${flag}`);
            assert.ok(argv[plain] === undefined || (Array.isArray(argv[plain]) && (argv[plain] as unknown[]).length === 0), `cairn ${name} ${form} leaves ${plain} alone, got ${JSON.stringify(argv[plain])}`);
          }
          assert.equal((await parsed(cmd, base))[flag], options.default[flag] ?? false, `cairn ${name}: ${flag} by default`);
        } else {
          assert.equal((await parsed(cmd, [...base, `--${flag}`]))[flag], true, `cairn ${name} --${flag}`);
          assert.equal((await parsed(cmd, [...base, `--no-${flag}`]))[flag], false, `cairn ${name} --no-${flag}`);
          for (const s of short) assert.equal((await parsed(cmd, [...base, `-${s}`]))[flag], true, `cairn ${name} -${s}`);
        }
        checked++;
      }
    }
    assert.ok(checked > 20, `${checked} flags checked`);
  });

  it('cairn run --no-command records no command, like -x', async () => {
    const dir = tmpDir();
    assert.equal(await main(['key', 'generate', '--out', join(dir, 'k'), '--quiet'], {}), 0);
    for (const [i, form] of ['--no-command', '-x'].entries()) {
      const out = join(dir, `out${i}`);
      assert.equal(await main(['run', '-n', 's', '-k', join(dir, 'k'), form, '-d', out, '--quiet'], {}), 0);
      const file = readdirSync(out).find((f) => f.endsWith('.link'))!;
      const link = JSON.parse(readFileSync(join(out, file), 'utf8')) as { signed: { command: unknown; byproducts: unknown } };
      assert.deepEqual(link.signed.command, [], form);
      assert.deepEqual(link.signed.byproducts, {}, form);
    }
  });
});
