/**
 * Go's text/template parser (text/template/parse, Go 1.22+: lex.go and parse.go), ported for the one thing the control
 * plane asks of it: whether a template parses, and Go's message when it does not. MeshIdentity's SPIFFE ID templates
 * are parsed on PUT with the builtin functions and `label` (meshidentity validator.go). Nothing is executed: a field a
 * template names is checked when the control plane renders it, not here.
 *
 * What is ported: the lexer (delimiters, trim markers, comments, strings, raw strings, characters, numbers, fields,
 * variables, keywords), actions and pipelines (declarations, commands, parenthesized pipelines, field chains), the
 * control structures (if / else if / with / else with / range / break / continue / define / block / template) and the
 * parse-time checks (undefined functions and variables, empty and non-executable commands, unbalanced ends). Number
 * literals are accepted as the lexer scans them (strconv's finer checks are not ported), so a malformed number may be
 * accepted here and refused by the control plane; anything else Go refuses is refused with its message.
 */

type ItemType =
  | "error" | "bool" | "char" | "charConstant" | "complex" | "assign" | "declare" | "eof" | "field" | "identifier" | "leftDelim" | "leftParen"
  | "number" | "pipe" | "rawString" | "rightDelim" | "rightParen" | "space" | "string" | "text" | "variable"
  // keywords
  | "block" | "break" | "continue" | "dot" | "define" | "else" | "end" | "if" | "nil" | "range" | "template" | "with";

interface Item {
  readonly typ: ItemType;
  readonly val: string;
  readonly line: number;
}

const KEYWORDS: Readonly<Record<string, ItemType>> = {
  ".": "dot", block: "block", break: "break", continue: "continue", define: "define", else: "else", end: "end",
  if: "if", nil: "nil", range: "range", template: "template", with: "with",
};
const KEYWORD_TYPES = new Set<ItemType>(Object.values(KEYWORDS));

/** text/template's builtins (funcs.go), and the one function the MeshIdentity validator adds. */
const FUNCTIONS = new Set(["and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf", "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne", "label"]);

class TemplateError extends Error {}

const isSpace = (c: string) => c === " " || c === "\t" || c === "\r" || c === "\n";
const isAlphaNumeric = (c: string) => c === "_" || /^[\p{L}\p{Nd}]$/u.test(c);

/** The lexer: the whole input as items, ending with eof or with the one error item Go's lexer stops at. */
function lex(input: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;
  const peek = () => input[pos] ?? "";
  const next = () => {
    const c = input[pos] ?? "";
    if (c !== "") pos++;
    if (c === "\n") line++;
    return c;
  };
  const backup = () => {
    pos--;
    if (input[pos] === "\n") line--;
  };
  const emit = (typ: ItemType) => {
    items.push({ typ, val: input.slice(start, pos), line: startLine });
    start = pos;
    startLine = line;
  };
  const ignore = () => {
    start = pos;
    startLine = line;
  };
  const fail = (message: string) => items.push({ typ: "error", val: message, line: startLine });
  const hasLeftTrim = (s: string) => s.length >= 2 && s[0] === "-" && isSpace(s[1] ?? "");
  const hasRightTrim = (s: string) => s.length >= 2 && isSpace(s[0] ?? "") && s[1] === "-";
  const atRightDelim = () => (hasRightTrim(input.slice(pos)) && input.startsWith("}}", pos + 2)) || input.startsWith("}}", pos);
  const atTerminator = () => {
    const c = peek();
    return c === "" || isSpace(c) || ".,|:)(".includes(c) || input.startsWith("}}", pos);
  };
  const advance = (n: number) => {
    for (let i = 0; i < n; i++) next();
  };

  // lexText: everything up to "{{".
  const lexText = (): boolean => {
    const at = input.indexOf("{{", pos);
    if (at < 0) {
      advance(input.length - pos);
      if (pos > start) emit("text");
      emit("eof");
      return false;
    }
    advance(at - pos);
    if (pos > start) emit("text");
    return lexLeftDelim();
  };
  const lexLeftDelim = (): boolean => {
    advance(2);
    const afterMarker = hasLeftTrim(input.slice(pos)) ? 2 : 0;
    if (input.startsWith("/*", pos + afterMarker)) {
      advance(afterMarker);
      ignore();
      // lexComment
      advance(2);
      const end = input.indexOf("*/", pos);
      if (end < 0) {
        fail("unclosed comment");
        return false;
      }
      advance(end + 2 - pos);
      if (!atRightDelim()) {
        fail("comment ends before closing delimiter");
        return false;
      }
      advance(hasRightTrim(input.slice(pos)) ? 4 : 2);
      ignore();
      return true;
    }
    emit("leftDelim");
    advance(afterMarker);
    ignore();
    parenDepth = 0;
    return lexInsideAction();
  };
  const lexInsideAction = (): boolean => {
    for (;;) {
      if (atRightDelim()) {
        if (parenDepth !== 0) {
          fail("unclosed left paren");
          return false;
        }
        if (hasRightTrim(input.slice(pos))) {
          advance(2);
          ignore();
        }
        advance(2);
        emit("rightDelim");
        return true;
      }
      const c = next();
      if (c === "") {
        fail("unclosed action");
        return false;
      } else if (isSpace(c)) {
        backup();
        let spaces = 0;
        while (isSpace(peek())) {
          next();
          spaces++;
        }
        // A space before "-}}" belongs to the delimiter.
        if (hasRightTrim(input.slice(pos - 1)) && input.startsWith("}}", pos + 1)) {
          backup();
          if (spaces === 1) {
            ignore();
            continue;
          }
        }
        emit("space");
      } else if (c === "=") emit("assign");
      else if (c === ":") {
        if (next() !== "=") {
          fail("expected :=");
          return false;
        }
        emit("declare");
      } else if (c === "|") emit("pipe");
      else if (c === '"' || c === "'") {
        for (;;) {
          let d = next();
          if (d === "\\") {
            d = next();
            if (d !== "" && d !== "\n") continue;
          }
          if (d === "" || d === "\n") {
            fail(c === '"' ? "unterminated quoted string" : "unterminated character constant");
            return false;
          }
          if (d === c) break;
        }
        emit(c === '"' ? "string" : "charConstant");
      } else if (c === "`") {
        const end = input.indexOf("`", pos);
        if (end < 0) {
          fail("unterminated raw quoted string");
          return false;
        }
        advance(end + 1 - pos);
        emit("rawString");
      } else if (c === "$" || (c === "." && !/[0-9]/.test(peek()))) {
        if (c === "$" && atTerminator()) {
          emit("variable");
          continue;
        }
        if (atTerminator()) {
          emit("dot");
          continue;
        }
        let d = "";
        while (isAlphaNumeric((d = peek()))) next();
        if (!atTerminator()) {
          fail(`bad character ${unicodeName(d)}`);
          return false;
        }
        emit(c === "$" ? "variable" : "field");
      } else if (c === "." || c === "+" || c === "-" || /[0-9]/.test(c)) {
        backup();
        if (!scanNumber()) {
          fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
          return false;
        }
        if (peek() === "+" || peek() === "-") {
          if (!scanNumber() || input[pos - 1] !== "i") {
            fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
            return false;
          }
          emit("complex");
        } else emit("number");
      } else if (isAlphaNumeric(c)) {
        while (isAlphaNumeric(peek())) next();
        const word = input.slice(start, pos);
        if (!atTerminator()) {
          fail(`bad character ${unicodeName(peek())}`);
          return false;
        }
        const keyword = KEYWORDS[word];
        emit(keyword !== undefined && word !== "." ? keyword : word === "true" || word === "false" ? "bool" : "identifier");
      } else if (c === "(") {
        parenDepth++;
        emit("leftParen");
      } else if (c === ")") {
        parenDepth--;
        if (parenDepth < 0) {
          fail("unexpected right paren");
          return false;
        }
        emit("rightParen");
      } else if (c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) < 0x7f) emit("char");
      else {
        fail(`unrecognized character in action: ${unicodeName(c)}`);
        return false;
      }
    }
  };
  const accept = (valid: string) => {
    const c = peek();
    if (c !== "" && valid.includes(c)) {
      next();
      return true;
    }
    return false;
  };
  const acceptRun = (valid: string) => {
    while (accept(valid));
  };
  const scanNumber = (): boolean => {
    accept("+-");
    let digits = "0123456789_";
    if (accept("0")) {
      if (accept("xX")) digits = "0123456789abcdefABCDEF_";
      else if (accept("oO")) digits = "01234567_";
      else if (accept("bB")) digits = "01_";
    }
    acceptRun(digits);
    if (accept(".")) acceptRun(digits);
    if (digits.length === 11 && accept("eE")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    if (digits.length === 23 && accept("pP")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    accept("i");
    if (isAlphaNumeric(peek())) {
      next();
      return false;
    }
    return true;
  };

  while (lexText());
  return items;
}

/** Go's %#U: `U+007D '}'`. */
function unicodeName(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  return `U+${code.toString(16).toUpperCase().padStart(4, "0")} '${c}'`;
}

/** Go's %q of a token in messages: `"}"`, `<end>` for keywords, the text of an error, EOF. */
function describe(item: Item): string {
  if (item.typ === "eof") return "EOF";
  if (item.typ === "error") return item.val;
  if (KEYWORD_TYPES.has(item.typ)) return `<${item.val}>`;
  const quoted = JSON.stringify(item.val);
  return item.val.length > 10 ? `${JSON.stringify(item.val.slice(0, 10))}...` : quoted;
}

type NodeKind = "text" | "action" | "end" | "else" | "control" | "bool" | "dot" | "nil" | "number" | "string" | "field" | "variable" | "identifier" | "pipe" | "chain";

class Parser {
  #pos = 0;
  #last: Item;
  #vars: string[] = ["$"];
  #rangeDepth = 0;
  #actionLine = 0;

  constructor(private readonly items: readonly Item[]) {
    this.#last = items[0] ?? { typ: "eof", val: "", line: 1 };
  }

  next(): Item {
    const item = this.items[this.#pos] ?? this.items[this.items.length - 1] ?? { typ: "eof", val: "", line: 1 };
    if (this.#pos < this.items.length) this.#pos++;
    this.#last = item;
    return item;
  }
  backup(n = 1): void {
    this.#pos -= n;
  }
  peek(): Item {
    const item = this.next();
    this.backup();
    return item;
  }
  nextNonSpace(): Item {
    let item: Item;
    do item = this.next();
    while (item.typ === "space");
    return item;
  }
  peekNonSpace(): Item {
    const at = this.#pos;
    const item = this.nextNonSpace();
    this.#pos = at;
    return item;
  }
  error(message: string): never {
    throw new TemplateError(`template: :${this.#last.line}: ${message}`);
  }
  unexpected(item: Item, context: string): never {
    if (item.typ === "error") {
      const extra = this.#actionLine !== 0 && this.#actionLine !== item.line ? ` in action started at :${this.#actionLine}` : "";
      this.error(`${item.val}${extra}`);
    }
    this.error(`unexpected ${describe(item)} in ${context}`);
  }
  expect(typ: ItemType, context: string): Item {
    const item = this.nextNonSpace();
    if (item.typ !== typ) this.unexpected(item, context);
    return item;
  }

  parse(): void {
    while (this.peek().typ !== "eof") {
      if (this.peek().typ === "leftDelim") {
        const mark = this.#pos;
        this.next();
        if (this.nextNonSpace().typ === "define") {
          this.#definition();
          continue;
        }
        this.#pos = mark;
      }
      const node = this.#textOrAction();
      if (node === "end" || node === "else") this.error(`unexpected {{${node}}}`);
    }
  }

  #definition(): void {
    const context = "define clause";
    const name = this.nextNonSpace();
    if (name.typ !== "string" && name.typ !== "rawString") this.unexpected(name, context);
    this.#unquote(name);
    this.expect("rightDelim", context);
    const outer = this.#vars;
    this.#vars = ["$"];
    const end = this.#itemList();
    if (end !== "end") this.error(`unexpected {{${end}}} in ${context}`);
    this.#vars = outer;
  }

  /** Items up to {{end}} or {{else}}, which is returned; EOF first is an error. */
  #itemList(): "end" | "else" {
    while (this.peekNonSpace().typ !== "eof") {
      const node = this.#textOrAction();
      if (node === "end" || node === "else") return node;
    }
    this.error("unexpected EOF");
  }

  #textOrAction(): NodeKind {
    const item = this.nextNonSpace();
    switch (item.typ) {
      case "text":
        return "text";
      case "leftDelim": {
        this.#actionLine = item.line;
        try {
          return this.#action();
        } finally {
          this.#actionLine = 0;
        }
      }
      default:
        this.unexpected(item, "input");
    }
  }

  #action(): NodeKind {
    const item = this.nextNonSpace();
    switch (item.typ) {
      case "block":
        return this.#block();
      case "break":
      case "continue": {
        const after = this.nextNonSpace();
        if (after.typ !== "rightDelim") this.unexpected(after, `{{${item.typ}}}`);
        if (this.#rangeDepth === 0) this.error(`{{${item.typ}}} outside {{range}}`);
        return "control";
      }
      case "else": {
        const peek = this.peekNonSpace();
        if (peek.typ === "if" || peek.typ === "with") return "else";
        this.expect("rightDelim", "else");
        return "else";
      }
      case "end":
        this.expect("rightDelim", "end");
        return "end";
      case "if":
      case "range":
      case "with":
        this.#control(item.typ);
        return "control";
      case "template": {
        const context = "template clause";
        const name = this.nextNonSpace();
        if (name.typ !== "string" && name.typ !== "rawString") this.unexpected(name, context);
        this.#unquote(name);
        if (this.nextNonSpace().typ !== "rightDelim") {
          this.backup();
          this.#pipeline(context, "rightDelim");
        }
        return "control";
      }
    }
    this.backup();
    this.#pipeline("command", "rightDelim");
    return "action";
  }

  #block(): NodeKind {
    const context = "block clause";
    const name = this.nextNonSpace();
    if (name.typ !== "string" && name.typ !== "rawString") this.unexpected(name, context);
    this.#unquote(name);
    this.#pipeline(context, "rightDelim");
    const outer = this.#vars;
    this.#vars = ["$"];
    const end = this.#itemList();
    if (end !== "end") this.error(`unexpected {{${end}}} in ${context}`);
    this.#vars = outer;
    return "control";
  }

  #control(context: "if" | "range" | "with"): void {
    const depth = this.#vars.length;
    this.#pipeline(context, "rightDelim");
    if (context === "range") this.#rangeDepth++;
    let next = this.#itemList();
    if (context === "range") this.#rangeDepth--;
    if (next === "else") {
      if ((context === "if" || context === "with") && this.peekNonSpace().typ === context) {
        this.nextNonSpace();
        this.#control(context);
      } else {
        next = this.#itemList();
        if (next !== "end") this.error(`expected end; found {{${next}}}`);
      }
    }
    this.#vars.length = depth;
  }

  #pipeline(context: string, end: ItemType): void {
    let commands: NodeKind[] = [];
    // Declarations: "$x :=", "$x =", and "$i, $v :=" in a range.
    for (let declared = 0; ; ) {
      const variable = this.peekNonSpace();
      if (variable.typ !== "variable") break;
      const mark = this.#pos;
      this.nextNonSpace();
      const next = this.peekNonSpace();
      if (next.typ === "assign" || next.typ === "declare") {
        this.nextNonSpace();
        this.#vars.push(variable.val);
        break;
      }
      if (next.typ === "char" && next.val === ",") {
        this.nextNonSpace();
        this.#vars.push(variable.val);
        declared++;
        if (context === "range" && declared < 2) {
          const peek = this.peekNonSpace().typ;
          if (peek === "variable" || peek === "rightDelim" || peek === "rightParen") continue;
          this.error("range can only initialize variables");
        }
        this.error(`too many declarations in ${context}`);
      }
      this.#pos = mark;
      break;
    }
    for (;;) {
      const item = this.nextNonSpace();
      if (item.typ === end) {
        if (commands.length === 0) this.error(`missing value for ${context}`);
        commands.slice(1).forEach((first, i) => {
          if (first === "bool" || first === "dot" || first === "nil" || first === "number" || first === "string") this.error(`non executable command in pipeline stage ${i + 2}`);
        });
        return;
      }
      switch (item.typ) {
        case "bool": case "charConstant": case "complex": case "dot": case "field": case "identifier":
        case "number": case "nil": case "rawString": case "string": case "variable": case "leftParen":
          this.backup();
          commands = [...commands, this.#command()];
          break;
        default:
          this.unexpected(item, context);
      }
    }
  }

  /** One command of a pipeline; returns the kind of its first operand. */
  #command(): NodeKind {
    let first: NodeKind | undefined;
    for (;;) {
      this.peekNonSpace();
      const operand = this.#operand();
      first ??= operand;
      const item = this.next();
      if (item.typ === "space") continue;
      if (item.typ === "rightDelim" || item.typ === "rightParen") this.backup();
      else if (item.typ !== "pipe") this.unexpected(item, "operand");
      break;
    }
    if (first === undefined) this.error("empty command");
    return first;
  }

  #operand(): NodeKind | undefined {
    const term = this.#term();
    if (term === undefined) return undefined;
    if (this.peek().typ === "field") {
      while (this.peek().typ === "field") this.next();
      if (term === "bool" || term === "string" || term === "number" || term === "nil" || term === "dot") this.error(`unexpected . after term ${JSON.stringify(this.#termText)}`);
      return term === "field" || term === "variable" ? term : "chain";
    }
    return term;
  }

  #termText = "";

  #term(): NodeKind | undefined {
    const item = this.nextNonSpace();
    this.#termText = item.val;
    switch (item.typ) {
      case "identifier":
        if (!FUNCTIONS.has(item.val)) this.error(`function ${JSON.stringify(item.val)} not defined`);
        return "identifier";
      case "dot":
        return "dot";
      case "nil":
        return "nil";
      case "variable": {
        const name = item.val.split(".")[0] ?? item.val;
        if (!this.#vars.includes(name)) this.error(`undefined variable ${JSON.stringify(name)}`);
        return "variable";
      }
      case "field":
        return "field";
      case "bool":
        return "bool";
      case "charConstant":
      case "complex":
      case "number":
        return "number";
      case "leftParen":
        this.#pipeline("parenthesized pipeline", "rightParen");
        return "pipe";
      case "string":
      case "rawString":
        this.#unquote(item);
        return "string";
    }
    this.backup();
    return undefined;
  }

  /** strconv.Unquote's refusals that the lexer lets through: an unknown escape in a quoted string. */
  #unquote(item: Item): void {
    if (item.typ === "string" && /\\([^abfnrtv\\'"0-7xuU]|x(?![0-9a-fA-F]{2})|u(?![0-9a-fA-F]{4})|U(?![0-9a-fA-F]{8}))/.test(item.val)) this.error("invalid syntax");
  }
}

/** Go's message when text/template cannot parse `template`, or undefined when it can. */
export function goTemplateError(template: string): string | undefined {
  try {
    new Parser(lex(template)).parse();
    return undefined;
  } catch (error) {
    if (error instanceof TemplateError) return error.message;
    throw error;
  }
}
