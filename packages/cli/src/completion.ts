import type { Command } from "commander";

/** Subcommand names per command path (`""` for the top level), read from the program itself. */
function commandTree(program: Command): Map<string, string[]> {
  const tree = new Map<string, string[]>();
  const visit = (cmd: Command, path: string): void => {
    const subs = cmd.commands.map((c) => c.name()).filter((n) => n !== "help");
    if (subs.length > 0) tree.set(path, subs);
    for (const c of cmd.commands) visit(c, path ? `${path} ${c.name()}` : c.name());
  };
  visit(program, "");
  return tree;
}

/**
 * A completion script for `shell`, generated from the program's commands so it never drifts from
 * them. Completes command and subcommand names; file names are the shell's default otherwise.
 */
export function completionScript(program: Command, shell: "bash" | "zsh"): string {
  const tree = commandTree(program);
  const cases = [...tree.entries()]
    .map(([path, subs]) => `    "${path}") words="${subs.join(" ")}" ;;`)
    .join("\n");
  const body = `_cairn_complete() {
  local cur path i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  path=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) path="\${path:+$path }\${COMP_WORDS[i]}" ;; esac
  done
  local words=""
  case "$path" in
${cases}
  esac
  if [[ -n "$words" ]]; then
    COMPREPLY=( $(compgen -W "$words --help --json --quiet" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -o default -F _cairn_complete cairn`;
  if (shell === "bash")
    return `# cairn bash completion: eval "$(cairn completion bash)"\n${body}\n`;
  return `# cairn zsh completion: eval "$(cairn completion zsh)"\nautoload -U +X bashcompinit && bashcompinit\n${body}\n`;
}
