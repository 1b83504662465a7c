/** Words for a POSIX shell: what meshops writes into a command a user copies, or a variable a shell runs. */

/** Single-quoted, whatever it holds (GIT_SSH_COMMAND is run by a shell). */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** As written when the shell would read it so (`meshes/edge`), single-quoted otherwise (`my meshes`, `$x`). */
export function shellWord(value: string): string {
  return /^[\w./@%+=:,-]+$/.test(value) ? value : shellQuote(value);
}
