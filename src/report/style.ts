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
