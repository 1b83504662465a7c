/**
 * Reads GitHub Actions log output the way the runner does (actions/runner ActionCommand.TryParseV2: a line whose
 * text, after leading blanks, starts with `::` is a command `::name key=value,...::data`), and checks strictly that
 * every command is well formed: a known command, known properties, numeric line and column, and every `%`, CR, LF,
 * `:` and `,` escaped where the runner requires. Lines between `::stop-commands::TOKEN` and `::TOKEN::` are not
 * commands, as on the runner. Anything else that would start a command by accident is an error.
 */
export interface WorkflowCommand {
  readonly name: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly message: string;
  /** 1-based line of the output. */
  readonly line: number;
}

export interface WorkflowLog {
  readonly commands: readonly WorkflowCommand[];
  /** Lines printed between stop-commands and its token (not interpreted). */
  readonly inert: readonly string[];
  /** Other plain lines. */
  readonly plain: readonly string[];
}

const ANNOTATIONS = new Set(["error", "warning", "notice"]);
const ANNOTATION_PROPERTIES = new Set(["file", "line", "col", "endLine", "endColumn", "title"]);
const OTHER_COMMANDS = new Set(["group", "endgroup", "stop-commands", "debug"]);

function unescape(value: string, property: boolean): string {
  let out = value.replace(/%0D/g, "\r").replace(/%0A/g, "\n");
  if (property) out = out.replace(/%3A/g, ":").replace(/%2C/g, ",");
  return out.replace(/%25/g, "%");
}

export function parseWorkflowOutput(output: string): WorkflowLog {
  const commands: WorkflowCommand[] = [];
  const inert: string[] = [];
  const plain: string[] = [];
  let stopToken: string | undefined;
  const lines = output.endsWith("\n") ? output.slice(0, -1).split("\n") : output.split("\n");
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const fail = (message: string): never => {
      throw new Error(`line ${lineNo}: ${message}: ${JSON.stringify(raw.slice(0, 200))}`);
    };
    if (raw.includes("\r")) fail("a raw carriage return splits a command");
    const text = raw.trimStart();
    if (stopToken !== undefined) {
      if (text === `::${stopToken}::`) stopToken = undefined;
      else inert.push(raw);
      return;
    }
    if (text.startsWith("##[")) fail("old-style ##[ command");
    if (!text.startsWith("::")) {
      plain.push(raw);
      return;
    }
    const end = text.indexOf("::", 2);
    if (end < 0) fail("starts like a command but has no closing ::");
    const info = text.slice(2, end);
    const data = text.slice(end + 2);
    const space = info.indexOf(" ");
    const name = space < 0 ? info : info.slice(0, space);
    const rawProperties = space < 0 ? "" : info.slice(space + 1);
    if (!ANNOTATIONS.has(name) && !OTHER_COMMANDS.has(name)) fail(`unknown command ${name}`);
    if (/%(?!25|0D|0A)/.test(data)) fail("unescaped % in the message");
    const properties: Record<string, string> = {};
    if (rawProperties !== "") {
      if (!ANNOTATIONS.has(name)) fail(`${name} takes no properties`);
      for (const pair of rawProperties.split(",")) {
        const eq = pair.indexOf("=");
        if (eq <= 0) fail(`property without a name: ${pair}`);
        const key = pair.slice(0, eq);
        const value = pair.slice(eq + 1);
        if (!ANNOTATION_PROPERTIES.has(key)) fail(`unknown property ${key}`);
        if (key in properties) fail(`duplicate property ${key}`);
        if (/[:]/.test(value)) fail(`unescaped : in property ${key}`);
        if (/%(?!25|0D|0A|3A|2C)/.test(value)) fail(`unescaped % in property ${key}`);
        if (["line", "col", "endLine", "endColumn"].includes(key) && !/^[1-9][0-9]*$/.test(value)) fail(`${key} must be a positive integer`);
        properties[key] = unescape(value, true);
      }
      if (("line" in properties || "col" in properties) && !("file" in properties)) fail("line or col without file");
      if ("col" in properties && !("line" in properties)) fail("col without line");
    }
    if (name === "stop-commands") {
      if (data.length < 16) fail("the stop-commands token is too short to be unguessable");
      stopToken = data;
    }
    commands.push({ name, properties, message: unescape(data, false), line: lineNo });
  });
  if (stopToken !== undefined) throw new Error(`stop-commands ${stopToken} is never resumed`);
  return { commands, inert, plain };
}
