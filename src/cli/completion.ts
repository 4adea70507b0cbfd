import type { Argv } from 'yargs';
import { CairnError } from '../errors.js';
import type { CommandModule } from './context.js';

// `cairn completion bash|zsh|fish` prints a script for the shell; the script asks Cairn itself
// for the candidates (`cairn --get-yargs-completions WORDS...`, yargs' completion protocol, which
// knows every command, subcommand and flag), so it never goes stale.

const SCRIPTS: Record<string, string> = {
  bash: `# cairn completion for bash: source <(cairn completion bash), or save it under
# ~/.local/share/bash-completion/completions/cairn
_cairn_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" candidates
  mapfile -t candidates < <(cairn --get-yargs-completions "\${COMP_WORDS[@]:0:COMP_CWORD+1}" 2>/dev/null)
  mapfile -t COMPREPLY < <(compgen -W "\${candidates[*]}" -- "$cur")
}
complete -o bashdefault -o default -F _cairn_complete cairn
`,
  zsh: `#compdef cairn
# cairn completion for zsh: cairn completion zsh > "\${fpath[1]}/_cairn"
_cairn() {
  local -a candidates
  candidates=("\${(@f)$(cairn --get-yargs-completions "\${words[@]:0:CURRENT}" 2>/dev/null)}")
  if (( \${#candidates} )); then compadd -- "\${candidates[@]}"; else _files; fi
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then _cairn "$@"; else compdef _cairn cairn; fi
`,
  fish: `# cairn completion for fish: cairn completion fish > ~/.config/fish/completions/cairn.fish
function __cairn_complete
  set -l words (commandline -opc) (commandline -ct)
  cairn --get-yargs-completions $words 2>/dev/null
end
complete -c cairn -f -a '(__cairn_complete)'
`,
};

/** Turns on yargs' completion protocol (`--get-yargs-completions`) without its own command. */
export function enableCompletion(parser: Argv): Argv {
  return parser.completion('__complete', false);
}

export const completionCommand: CommandModule = {
  command: 'completion <shell>',
  describe: 'print a completion script for bash, zsh or fish',
  builder: (y: Argv) =>
    y
      .positional('shell', { choices: ['bash', 'zsh', 'fish'] as const, describe: 'the shell the script is for' })
      .example('source <(cairn completion bash)', 'complete commands and flags in this bash session'),
  run: async (argv, ctx) => {
    const script = SCRIPTS[String(argv['shell'])];
    if (!script) throw new CairnError('INVALID_ARGUMENT', `no completion for ${String(argv['shell'])}`);
    ctx.out.stdout.write(script);
  },
};
