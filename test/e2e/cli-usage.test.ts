import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cairn, run } from '../helpers/exec.js';
import { CAIRN_BIN, REPO_ROOT } from '../helpers/paths.js';
import { tmpDir } from '../helpers/tmp.js';

// The command line as a user from oras, cosign and in-toto meets it (issue 17): every command
// and subcommand has its own --help, every flag there has a description; unknown commands and
// flags get "did you mean"; cosign's flags get their Cairn names; `-o` is only --out; usage
// errors under --output json are one JSON object on stdout. All through bin/cairn.js.

const WIDE = { ...process.env, COLUMNS: '400' };

function help(words: string[], dir: string): string {
  const r = cairn([...words, '--help'], dir, WIDE);
  assert.equal(r.status, 0, `${words.join(' ')} --help: ${r.stderr}`);
  return r.stdout;
}

// The command lines a help text lists (`  cairn layout sign <file>  describe`), as words.
function listed(text: string, parent: string[]): string[][] {
  const prefix = ['cairn', ...parent].join(' ');
  const at = text.indexOf('\nCommands:\n');
  if (at < 0) return [];
  return text.slice(at).split('\n\n')[0]!.split('\n')
    .filter((l) => l.startsWith(`  ${prefix} `))
    .map((l) => l.trim().split(/\s+/).slice(1, parent.length + 2))
    .filter((w) => w.length === parent.length + 1 && /^[a-z]/.test(w[w.length - 1]!));
}

describe('cairn command line', () => {
  const dir = tmpDir();

  it('every command and subcommand has its own help, and every flag a description', () => {
    const seen: string[] = [];
    const visit = (words: string[]) => {
      const text = help(words, dir);
      if (words.length > 0) assert.match(text.split('\n')[0]!, new RegExp(`^cairn ${words.join(' ')}\\b`), `${words.join(' ')} --help shows its own usage`);
      seen.push(words.join(' '));
      const section = text.slice(text.indexOf('\nOptions:\n')).split('\n\n')[0]!;
      const options = section.split('\n').filter((l) => /^\s+(-\w, )?--[a-z][\w-]*/.test(l));
      assert.ok(options.length > 0, words.join(' '));
      for (const l of options) {
        const rest = l.replace(/^\s+(-\w, )?--[a-z][\w-]*(, --?[a-z][\w-]*)*/, '');
        assert.match(rest, /^\s{2,}[^\s[]/, `cairn ${words.join(' ')}: a flag without a description: ${l.trim()}`);
      }
      for (const sub of listed(text, words)) if (!seen.includes(sub.join(' '))) visit(sub);
    };
    visit([]);
    for (const c of ['key generate', 'key show', 'image files', 'trust init', 'trust rotate', 'trust push', 'layout sign', 'verify', 'login', 'logout', 'completion']) assert.ok(seen.includes(c), `${c} has a help of its own (seen: ${seen.join(', ')})`);
    // a subcommand's help lists its own flags, not its siblings'
    assert.match(help(['trust', 'rotate'], dir), /--add-key/);
    assert.doesNotMatch(help(['trust', 'init'], dir), /--add-key/);
    assert.doesNotMatch(help(['key', 'show'], dir), /--password-env/);
  });

  it('suggests commands, subcommands and flags that are close', () => {
    const cases: [string[], RegExp][] = [
      [['verfy'], /did you mean verify\?/],
      [['layout', 'sing', 'x'], /did you mean sign\?/],
      [['verify', '--layot', 'x'], /--layot: did you mean --layout\?/],
      [['layout', 'sign', 'f', '--kye', 'a'], /--kye: did you mean --key\?/],
    ];
    for (const [args, re] of cases) {
      const r = cairn(args, dir);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, re);
    }
  });

  it('names the Cairn flag for a cosign or oras flag', () => {
    let r = cairn(['verify', 'oci:x@sha256:' + '0'.repeat(64), '--key', 'cosign.pub', '--layout', 'l'], dir);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown argument --key \(hint: --key: cairn verify takes --layout-key PUB/);
    r = cairn(['discover', 'oci:x:v1', '--allow-insecure-registry'], dir);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /takes --insecure/);
    assert.doesNotMatch(r.stderr, /allowInsecureRegistry/);
  });

  it('-o is --out, never the output format', () => {
    const r = cairn(['key', 'generate', '-o', 'json'], dir);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /-o is --out .*give --output json/);
    const ok = cairn(['key', 'generate', '-o', 'k1', '--output', 'json'], dir);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { private: string }).private, 'k1');
  });

  it('reports usage errors as one JSON object on stdout with --output json', () => {
    const r = cairn(['verify', '--key', 'x', '--output', 'json'], dir);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, '');
    const e = JSON.parse(r.stdout) as { code: string; message: string; hint: string; exitCode: number };
    assert.deepEqual({ code: e.code, exitCode: e.exitCode }, { code: 'USAGE', exitCode: 2 });
    assert.match(e.message, /unknown argument --key/);
    assert.match(e.hint, /--layout-key/);
    const missing = cairn(['key', 'show', 'nope.pub', '--output=json'], dir);
    assert.equal(missing.status, 2);
    assert.deepEqual(Object.keys(JSON.parse(missing.stdout) as object).slice(0, 4), ['code', 'message', 'hint', 'exitCode']);
  });

  it('completes commands, subcommands and flags in bash; prints zsh and fish scripts', () => {
    writeFileSync(join(dir, 'cairn'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CAIRN_BIN)} "$@"\n`);
    chmodSync(join(dir, 'cairn'), 0o755);
    const complete = (...words: string[]) => {
      const script = `source <(cairn completion bash); COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _cairn_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const r = run('bash', ['-c', script], { cwd: dir, env: { ...process.env, PATH: `${dir}:${process.env['PATH']}` } });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.split('\n').filter(Boolean);
    };
    assert.deepEqual(complete('cairn', 'lay'), ['layout']);
    assert.deepEqual(complete('cairn', 'layout', 'si'), ['sign']);
    assert.ok(complete('cairn', 'verify', '--layout-k').includes('--layout-key'));
    assert.ok(complete('cairn', 'lo').includes('login'));
    for (const [shell, re] of [['zsh', /compdef _cairn cairn/], ['fish', /complete -c cairn/]] as const) {
      const r = cairn(['completion', shell], dir);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, re);
      assert.match(r.stdout, /cairn --get-yargs-completions/);
    }
    assert.equal(cairn(['completion', 'tcsh'], dir).status, 2);
  });

  it('README\'s table of commands names every command and subcommand', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Commands'), readme.indexOf('\n\n', readme.indexOf('| command |')));
    const rows = table.split('\n').filter((l) => l.startsWith('| `cairn')).map((l) => l.split(' | ')[0]!.replace(/\\\|/g, '|'));
    for (const [cmd] of listed(help([], dir), [])) {
      const row = rows.find((r) => new RegExp(`\`cairn ${cmd}\\b`).test(r));
      assert.ok(row, `README's table has no row for cairn ${cmd}`);
      for (const [, sub] of listed(help([cmd!], dir), [cmd!])) {
        assert.ok(rows.some((r) => new RegExp(`\`cairn ${cmd} [^\`]*\\b${sub}\\b`).test(r)), `README's table does not name cairn ${cmd} ${sub}`);
      }
    }
  });
});
