// A small reader of Go type declarations, enough for Kuma's API packages: it finds every `type` declaration of a
// package (structs with their fields and tags, pointers, slices, arrays, maps, named types, aliases, embedded fields),
// the package's imports, and which types have their own UnmarshalJSON. Used by scripts/generate-schemas.mjs to learn
// the Go type behind each JSON field, which decides what the control plane's JSON decoder rejects.
//
// It is a tokenizer plus a recursive-descent parser for the type grammar only; function bodies, constants and
// variables are skipped. Anything in a type expression it does not know (channels, functions, generics) is an error.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export class GoParseError extends Error {}

// --- tokens -----------------------------------------------------------------------------------------------------------

/** Tokens: {kind: "ident" | "punct" | "string" | "number" | "newline", text}. Comments are dropped. */
function tokenize(source, file) {
  const tokens = [];
  let i = 0;
  const push = (kind, text) => tokens.push({ kind, text });
  while (i < source.length) {
    const c = source[i];
    if (c === "\n") {
      push("newline", "\n");
      i++;
    } else if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (source.startsWith("//", i)) {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (source.startsWith("/*", i)) {
      const end = source.indexOf("*/", i + 2);
      if (end === -1) throw new GoParseError(`${file}: unterminated comment`);
      if (source.slice(i, end).includes("\n")) push("newline", "\n");
      i = end + 2;
    } else if (c === "`") {
      const end = source.indexOf("`", i + 1);
      if (end === -1) throw new GoParseError(`${file}: unterminated raw string`);
      push("string", source.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === "\\" ? 2 : 1;
      push("string", source.slice(i + 1, j));
      i = j + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_0-9]+/.exec(source.slice(i, i + 200));
      push("ident", match[0]);
      i += match[0].length;
    } else if (/[0-9]/.test(c)) {
      const match = /^[0-9A-Za-z_.]+/.exec(source.slice(i, i + 200));
      push("number", match[0]);
      i += match[0].length;
    } else {
      push("punct", c);
      i++;
    }
  }
  return tokens;
}

// --- parsing ----------------------------------------------------------------------------------------------------------

/**
 * Type expressions:
 *   {kind: "named", qualifier?: "common_api", name: "TargetRef"}   (qualifier is the import name in the file)
 *   {kind: "pointer" | "slice" | "array", elem}
 *   {kind: "map", key, value}
 *   {kind: "struct", fields: [{name, tag: {json?, protobufName?}, embedded, type}]}
 *   {kind: "interface"}
 */
class Parser {
  constructor(tokens, file) {
    this.tokens = tokens;
    this.file = file;
    this.at = 0;
  }

  peek(offset = 0) {
    return this.tokens[this.at + offset];
  }

  next() {
    return this.tokens[this.at++];
  }

  is(text, offset = 0) {
    return this.peek(offset)?.text === text;
  }

  expect(text) {
    const token = this.next();
    if (token?.text !== text) this.fail(`expected "${text}", found "${token?.text ?? "end of file"}"`);
    return token;
  }

  fail(message) {
    throw new GoParseError(`${this.file}: ${message} (token ${this.at})`);
  }

  skipNewlines() {
    while (this.peek()?.kind === "newline" || this.is(";")) this.at++;
  }

  typeExpression() {
    const token = this.next();
    if (!token) this.fail("type expected at end of file");
    if (token.text === "*") return { kind: "pointer", elem: this.typeExpression() };
    if (token.text === "[") {
      if (this.is("]")) {
        this.next();
        return { kind: "slice", elem: this.typeExpression() };
      }
      this.next(); // a constant length
      this.expect("]");
      return { kind: "array", elem: this.typeExpression() };
    }
    if (token.text === "map") {
      this.expect("[");
      const key = this.typeExpression();
      this.expect("]");
      return { kind: "map", key, value: this.typeExpression() };
    }
    if (token.text === "struct") return this.structBody();
    if (token.text === "interface") {
      this.skipBraces();
      return { kind: "interface" };
    }
    if (token.kind !== "ident" || token.text === "chan" || token.text === "func") this.fail(`unsupported type starting with "${token.text}"`);
    if (this.is(".")) {
      this.next();
      const name = this.next();
      if (name?.kind !== "ident") this.fail("qualified type name expected");
      return { kind: "named", qualifier: token.text, name: name.text };
    }
    return { kind: "named", name: token.text };
  }

  skipBraces() {
    this.expect("{");
    let depth = 1;
    while (depth > 0) {
      const token = this.next();
      if (!token) this.fail("unbalanced braces");
      if (token.text === "{") depth++;
      if (token.text === "}") depth--;
    }
  }

  structBody() {
    this.expect("{");
    const fields = [];
    for (;;) {
      this.skipNewlines();
      if (this.is("}")) {
        this.next();
        return { kind: "struct", fields };
      }
      fields.push(...this.fieldDeclaration());
    }
  }

  /** `A, B T "tag"`, or an embedded `T`, `*T`, `pkg.T` with an optional tag. */
  fieldDeclaration() {
    const startsEmbedded =
      this.is("*") || (this.peek()?.kind === "ident" && (this.is(".", 1) || this.peek(1)?.kind === "newline" || this.peek(1)?.kind === "string" || this.is("}", 1) || this.is(";", 1)));
    if (startsEmbedded) {
      const type = this.typeExpression();
      const named = type.kind === "pointer" ? type.elem : type;
      if (named.kind !== "named") this.fail("embedded field must be a type name");
      return [{ name: named.name, embedded: true, type, tag: this.tag() }];
    }
    const names = [this.next().text];
    while (this.is(",")) {
      this.next();
      names.push(this.next().text);
    }
    const type = this.typeExpression();
    const tag = this.tag();
    return names.map((name) => ({ name, embedded: false, type, tag }));
  }

  /**
   * What the struct tag says about the JSON name: `json:"..."` for encoding/json, and for protobuf messages (decoded
   * by jsonpb, which reads the `protobuf:` tag) the `json=` name, else the proto `name=`.
   */
  tag() {
    if (this.peek()?.kind !== "string") return {};
    const tag = this.next().text;
    const protobuf = /(?:^|\s)protobuf:"([^"]*)"/.exec(tag)?.[1];
    const protobufName = protobuf && (/,json=([A-Za-z0-9_]+)/.exec(protobuf)?.[1] ?? /,name=([A-Za-z0-9_]+)/.exec(protobuf)?.[1]);
    return { json: /(?:^|\s)json:"([^"]*)"/.exec(tag)?.[1], protobufName };
  }
}

/** One file: its imports (name → path), type declarations and the receivers of UnmarshalJSON. */
function parseFile(source, file) {
  const parser = new Parser(tokenize(source, file), file);
  const imports = new Map();
  const types = new Map();
  const customDecoders = new Set();
  let depth = 0;
  const addImport = () => {
    const alias = parser.peek()?.kind === "ident" || parser.is("_") || parser.is(".") ? parser.next().text : undefined;
    const path = parser.next();
    if (path?.kind !== "string") parser.fail("import path expected");
    imports.set(alias ?? path.text.split("/").at(-1), path.text);
  };
  const addType = () => {
    const name = parser.next();
    if (name?.kind !== "ident") parser.fail("type name expected");
    // Type parameters (`type S[T any] []T`) are skipped; using such a type is an error (lookup below).
    const generic = parser.is("[") && parser.peek(1)?.kind === "ident" && !parser.is("]", 2);
    if (generic) {
      while (!parser.is("]")) parser.next();
      parser.next();
    }
    const alias = parser.is("=");
    if (alias) parser.next();
    types.set(name.text, { name: name.text, alias, generic, type: parser.typeExpression() });
  };
  const group = (each) => {
    if (!parser.is("(")) return each();
    parser.next();
    for (;;) {
      parser.skipNewlines();
      if (parser.is(")")) return parser.next();
      each();
    }
  };
  while (parser.peek()) {
    const token = parser.next();
    if (token.text === "{" || token.text === "(" || token.text === "[") depth++;
    else if (token.text === "}" || token.text === ")" || token.text === "]") depth--;
    else if (depth === 0 && token.text === "import") group(addImport);
    else if (depth === 0 && token.text === "type") group(addType);
    else if (depth === 0 && token.text === "func" && parser.is("(")) {
      // A method: `func (r *T) UnmarshalJSON(`. Read the receiver type, then the name.
      parser.next();
      const receiver = [];
      while (!parser.is(")")) receiver.push(parser.next().text);
      parser.next();
      const method = parser.peek()?.text;
      const receiverType = receiver.filter((t) => t !== "*").at(-1);
      if (method === "UnmarshalJSON" || method === "UnmarshalText") customDecoders.add(receiverType);
    }
  }
  return { imports, types, customDecoders };
}

// --- packages ---------------------------------------------------------------------------------------------------------

/**
 * Every type of the Go packages under `sourceRoot` whose import paths start with `modulePath`. Packages are parsed on
 * first use. `lookup(packagePath, name)` answers {packagePath, name, alias, type, customDecoder, imports} or undefined
 * when the package is not in the tree (an external package: the caller decides what such a type means).
 */
export function goPackages(sourceRoot, modulePath) {
  const cache = new Map();

  function load(packagePath) {
    if (cache.has(packagePath)) return cache.get(packagePath);
    let loaded;
    if (packagePath.startsWith(`${modulePath}/`)) {
      const dir = join(sourceRoot, packagePath.slice(modulePath.length + 1));
      if (existsSync(dir)) {
        loaded = { packagePath, types: new Map(), customDecoders: new Set() };
        for (const file of readdirSync(dir).sort()) {
          if (!file.endsWith(".go") || file.endsWith("_test.go")) continue;
          const parsed = parseFile(readFileSync(join(dir, file), "utf8"), join(dir, file));
          for (const [name, declaration] of parsed.types) loaded.types.set(name, { ...declaration, imports: parsed.imports });
          for (const name of parsed.customDecoders) loaded.customDecoders.add(name);
        }
      }
    }
    cache.set(packagePath, loaded);
    return loaded;
  }

  return {
    /** The declaration of `name` in `packagePath`, or undefined for a package outside the tree. Throws if missing. */
    lookup(packagePath, name) {
      const loaded = load(packagePath);
      if (!loaded) return undefined;
      const declaration = loaded.types.get(name);
      if (!declaration) throw new GoParseError(`type ${name} not found in package ${packagePath}`);
      if (declaration.generic) throw new GoParseError(`generic type ${name} in package ${packagePath} is not supported`);
      return { ...declaration, packagePath, customDecoder: loaded.customDecoders.has(name) };
    },
  };
}
