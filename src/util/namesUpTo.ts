/**
 * The one way a message names a list it must keep short: `a, b and 3 more`. Reports, warnings, errors, notifications
 * and log lines each used to spell it their own way (with a comma before "and" or without, "… (3 more)").
 */

/**
 * The first `max` of `items`, named by `nameOf` and joined, and how many more there are: `a, b and 3 more`. Only the
 * named ones are passed to `nameOf` (a list may hold thousands).
 */
export function namesUpTo(items: readonly string[], max: number): string;
export function namesUpTo<T>(items: readonly T[], max: number, nameOf: (item: T) => string): string;
export function namesUpTo<T>(items: readonly T[], max: number, nameOf: (item: T) => string = String): string {
  const named = items.slice(0, max).map(nameOf).join(", ");
  const more = items.length - max;
  if (more <= 0) return named;
  return named === "" ? `${more} more` : `${named} and ${more} more`;
}
