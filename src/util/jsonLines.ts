/**
 * Large JSON documents written and read a line at a time: an object whose long lists hold tens of thousands of items
 * (the embedded control plane's state.json, a validation cache entry) is 30 MB of text at 51,000 resources. Parsed
 * whole, that text and its bytes are 60 MB more in memory at once, freshly mapped each time (on a virtual machine whose
 * page faults are slow, a fifth of a warm plan). Read a line at a time, only the objects stay.
 *
 * The text is still one JSON document, laid out so that every line parses on its own: the object's small fields on
 * the line that opens its first long list, one item per line, and each list closed by a line of its own, which may
 * carry more small fields and open the next list:
 *
 *   {"format":"…","generation":3,"resources":[
 *   {…},
 *   {…}
 *   ],"count":2,"references":[
 *   …
 *   ]}
 *
 * Pure: the file's bytes come and go in cli/ and backend/ (backend/local/journal.ts `readJsonLinesFile`).
 */

/**
 * The text of `value` laid out as above, in pieces (each a few lines: ITEMS_PER_PIECE items), in the order of its keys
 * but with the long lists (`lists`, arrays) after every other field. A list with no items takes two lines all the same.
 */
export function* jsonLinesText(value: Readonly<Record<string, unknown>>, lists: readonly string[]): Generator<string> {
  const small = Object.fromEntries(Object.entries(value).filter(([key, v]) => v !== undefined && !lists.includes(key)));
  const present = lists.filter((key) => Array.isArray(value[key]));
  const head = JSON.stringify(small);
  if (present.length === 0) {
    yield `${head}\n`;
    return;
  }
  let opening = `${head === "{}" ? "{" : `${head.slice(0, -1)},`}`;
  for (const key of present) {
    yield `${opening}${JSON.stringify(key)}:[\n`;
    const items = value[key] as readonly unknown[];
    for (let from = 0; from < items.length; from += ITEMS_PER_PIECE) {
      const lines = items.slice(from, from + ITEMS_PER_PIECE).map((item) => JSON.stringify(item) ?? "null");
      yield `${lines.join(",\n")}${from + ITEMS_PER_PIECE < items.length ? "," : ""}\n`;
    }
    opening = "],";
  }
  yield "]}\n";
}

/** Items per piece of jsonLinesText: ~100 KB of text, a few ms of a writer's turn. */
const ITEMS_PER_PIECE = 256;

/** Not laid out as jsonLinesText lays out (a document written otherwise, or damaged): the caller parses the text whole. */
export class NotJsonLines extends Error {
  override readonly name = "NotJsonLines";
}

/**
 * Parses jsonLinesText's layout a line at a time (`line`, without its newline), then `result()`. A line that breaks
 * the layout throws NotJsonLines (the document may still be JSON laid out otherwise); a line that is not JSON throws
 * its SyntaxError, with the line's number.
 */
export class JsonLinesParser {
  #result: Record<string, unknown> | undefined;
  #list: unknown[] | undefined;
  #ended = false;
  #number = 0;

  line(text: string): void {
    this.#number++;
    if (this.#ended) {
      if (text.trim() !== "") throw new NotJsonLines(`text after the end of the document, line ${this.#number}`);
      return;
    }
    if (this.#result === undefined) {
      if (!text.startsWith("{")) throw new NotJsonLines("the first line does not open an object");
      if (!text.endsWith("[")) {
        // A document without long lists is one line.
        this.#result = this.#object(text);
        this.#ended = true;
        return;
      }
      this.#result = {};
      this.#open(text.slice(1));
      return;
    }
    if (text.startsWith("]")) {
      if (text === "]}") this.#ended = true;
      else if (text.startsWith("],") && text.endsWith("[")) this.#open(text.slice(2));
      else throw new NotJsonLines(`line ${this.#number} closes a list but neither ends the document nor opens the next list`);
      return;
    }
    const item = text.endsWith(",") ? text.slice(0, -1) : text;
    try {
      this.#list?.push(JSON.parse(item));
    } catch (error) {
      throw new SyntaxError(`line ${this.#number}: ${(error as Error).message}`);
    }
  }

  /** The document; NotJsonLines if it has not ended. */
  result(): Record<string, unknown> {
    if (!this.#ended || this.#result === undefined) throw new NotJsonLines("the document does not end");
    return this.#result;
  }

  /** `"small":1,"key":[` (without the leading `{` or `],`): the small fields, and the list `key` items go into. */
  #open(fields: string): void {
    const parsed = this.#object(`{${fields}]}`);
    const keys = Object.keys(parsed);
    const key = keys[keys.length - 1];
    const list = key === undefined ? undefined : parsed[key];
    if (key === undefined || !Array.isArray(list) || list.length > 0) throw new NotJsonLines(`line ${this.#number} does not end by opening a list`);
    Object.assign(this.#result as Record<string, unknown>, parsed);
    this.#list = list;
  }

  #object(text: string): Record<string, unknown> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new NotJsonLines(`line ${this.#number} is not a part of the layout`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new NotJsonLines(`line ${this.#number} is not an object`);
    return parsed as Record<string, unknown>;
  }
}
