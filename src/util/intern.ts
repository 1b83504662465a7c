/**
 * One shared copy of a string that comes by the tens of thousands with few distinct values: the field path of a
 * reference (`spec.to[0].targetRef.name`), the subject of a referenced service, the message about it. A string built
 * from pieces is a rope in V8 (a template literal of 13 or more characters makes one node per piece), and each one a
 * validation keeps survives into the old generation: a repository of 51,000 resources kept 660,000 rope nodes (20 MB)
 * after validation, all of them copied by the young-generation collector on the way. The lookup flattens the string it
 * is given; the copy handed back is the first one seen.
 *
 * Bounded, so a long-running process fed ever new strings does not grow without end: when full, it starts afresh (a
 * string handed out earlier stays valid, it is only no longer shared).
 */
const table = new Map<string, string>();
const KEPT = 100_000;

export function intern(text: string): string {
  const known = table.get(text);
  if (known !== undefined) return known;
  if (table.size >= KEPT) table.clear();
  table.set(text, text);
  return text;
}
