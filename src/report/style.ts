/** ANSI styling that renderers receive as a value, so they stay pure (colour only when the CLI decides a TTY wants it). */
export interface Style {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

export const COLOR: Style = { red: wrap(31, 39), yellow: wrap(33, 39), green: wrap(32, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
const same = (s: string) => s;
export const PLAIN: Style = { red: same, yellow: same, green: same, dim: same, bold: same };

/** What would break a line or drive the terminal: C0 and C1 controls, DEL, and YAML 1.1's other line breaks. */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED_ESCAPES: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * Text from the repository made safe for one line of a terminal: a value written as a block scalar (`mesh: |`) or
 * with escapes (`"\e[2J"`) is shown escaped as JSON escapes it, never as a line break or a terminal command.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => NAMED_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
