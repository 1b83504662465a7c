/** Code-unit order of two strings (not locale order): the same result on every machine, so output is deterministic. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
