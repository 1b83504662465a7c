/**
 * A small, strict XML 1.0 parser for tests: enough to read JUnit reports back and to refuse anything that is not
 * well-formed (unbalanced or crossed tags, a bare `&` or `<`, an unknown entity, duplicate attributes, characters XML
 * cannot carry, text outside the root element, a DOCTYPE). No namespaces, DTDs or external entities: JUnit needs none,
 * and the project has no XML dependency to lean on.
 */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly (XmlElement | string)[];
}

export class XmlError extends Error {
  override readonly name = "XmlError";
}

const NAME = /^[A-Za-z_:][A-Za-z0-9._:-]*/;
const INVALID_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const PREDEFINED: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

export function parseXml(source: string): XmlElement {
  const bad = INVALID_CHAR.exec(source);
  if (bad) throw new XmlError(`character U+${bad[0].codePointAt(0)?.toString(16).toUpperCase()} is not allowed in XML at offset ${bad.index}`);
  let pos = 0;
  const fail = (message: string): never => {
    const line = source.slice(0, pos).split("\n").length;
    throw new XmlError(`${message} (line ${line}, offset ${pos})`);
  };

  const decode = (raw: string, where: string): string =>
    raw.replace(/&([^;]*);|&/g, (match, ref: string | undefined) => {
      if (ref === undefined) return fail(`bare & in ${where}`);
      if (ref in PREDEFINED) return PREDEFINED[ref] as string;
      const numeric = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(ref);
      if (!numeric) return fail(`unknown entity &${ref}; in ${where}`);
      const code = numeric[1] !== undefined ? parseInt(numeric[1], 16) : Number(numeric[2]);
      const char = String.fromCodePoint(code);
      if (INVALID_CHAR.test(char)) fail(`character reference &${ref}; is not an XML character`);
      return char;
    });

  const skipMisc = (): void => {
    for (;;) {
      const ws = /^\s*/.exec(source.slice(pos));
      pos += ws ? ws[0].length : 0;
      if (source.startsWith("<!--", pos)) {
        const end = source.indexOf("-->", pos + 4);
        if (end < 0) fail("unterminated comment");
        if (source.slice(pos + 4, end).includes("--")) fail("-- inside a comment");
        pos = end + 3;
      } else if (source.startsWith("<?", pos) && !source.startsWith("<?xml ", pos)) {
        const end = source.indexOf("?>", pos);
        if (end < 0) fail("unterminated processing instruction");
        pos = end + 2;
      } else return;
    }
  };

  const element = (): XmlElement => {
    if (source[pos] !== "<") fail("expected an element");
    pos++;
    const nameMatch = NAME.exec(source.slice(pos));
    if (!nameMatch) return fail("expected an element name");
    const name = nameMatch[0];
    pos += name.length;
    const attributes: Record<string, string> = {};
    for (;;) {
      const ws = /^\s*/.exec(source.slice(pos))?.[0] ?? "";
      pos += ws.length;
      if (source.startsWith("/>", pos)) {
        pos += 2;
        return { name, attributes, children: [] };
      }
      if (source[pos] === ">") {
        pos++;
        break;
      }
      if (ws.length === 0) fail(`expected whitespace before an attribute of <${name}>`);
      const attr = NAME.exec(source.slice(pos));
      if (!attr) return fail(`expected an attribute name in <${name}>`);
      pos += attr[0].length;
      const eq = /^\s*=\s*/.exec(source.slice(pos));
      if (!eq) fail(`expected = after ${attr[0]}`);
      pos += eq?.[0].length ?? 0;
      const quote = source[pos];
      if (quote !== '"' && quote !== "'") fail(`attribute ${attr[0]} is not quoted`);
      const end = source.indexOf(quote as string, pos + 1);
      if (end < 0) fail(`unterminated attribute ${attr[0]}`);
      const raw = source.slice(pos + 1, end);
      if (raw.includes("<")) fail(`< in attribute ${attr[0]}`);
      if (attr[0] in attributes) fail(`duplicate attribute ${attr[0]} on <${name}>`);
      attributes[attr[0]] = decode(raw, `attribute ${attr[0]}`);
      pos = end + 1;
    }
    const children: (XmlElement | string)[] = [];
    for (;;) {
      if (pos >= source.length) fail(`<${name}> is not closed`);
      if (source.startsWith("</", pos)) {
        const close = /^<\/([A-Za-z_:][A-Za-z0-9._:-]*)\s*>/.exec(source.slice(pos));
        if (!close || close[1] !== name) fail(`expected </${name}>`);
        pos += close?.[0].length ?? 0;
        return { name, attributes, children };
      }
      if (source.startsWith("<!--", pos)) {
        skipMisc();
        continue;
      }
      if (source.startsWith("<![CDATA[", pos)) {
        const end = source.indexOf("]]>", pos);
        if (end < 0) fail("unterminated CDATA section");
        children.push(source.slice(pos + 9, end));
        pos = end + 3;
        continue;
      }
      if (source.startsWith("<!", pos)) fail("declarations are not allowed inside elements");
      if (source[pos] === "<") {
        children.push(element());
        continue;
      }
      const next = source.indexOf("<", pos);
      const raw = source.slice(pos, next < 0 ? source.length : next);
      if (raw.includes("]]>")) fail("]]> in text");
      children.push(decode(raw, `text of <${name}>`));
      pos += raw.length;
    }
  };

  if (source.startsWith("<?xml")) {
    const end = source.indexOf("?>");
    if (end < 0) fail("unterminated XML declaration");
    if (!/^<\?xml\s+version="1\.[0-9]"(\s+encoding="[A-Za-z][A-Za-z0-9._-]*")?(\s+standalone="(yes|no)")?\s*\?>$/.test(source.slice(0, end + 2))) fail("malformed XML declaration");
    pos = end + 2;
  }
  skipMisc();
  if (source.startsWith("<!DOCTYPE", pos)) fail("DOCTYPE is not accepted");
  const root = element();
  skipMisc();
  if (pos !== source.length) fail("content after the root element");
  return root;
}

/** Child elements named `name`. */
export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c): c is XmlElement => typeof c !== "string" && c.name === name);
}

/** The text content of an element (its text and CDATA children, concatenated). */
export function textOf(element: XmlElement): string {
  return element.children.map((c) => (typeof c === "string" ? c : textOf(c))).join("");
}
