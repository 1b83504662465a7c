import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { resourceType } from "../src/kuma/types.js";
import { describeRule } from "../src/report/sarif.js";
import { runCli } from "./helpers/cli.js";
import { projectRoot } from "./helpers/git.js";

/**
 * README.md is the user's contract, and the example CI and deployment files are copied as they are: every flag a
 * command's `--help` lists is documented in README, every meshops command line they show uses only flags that command
 * has, and every key of meshops.yaml's schema is in README's meshops.yaml section. (Whether an example's output is
 * true is for the tests of each command; this keeps the flags of the text and of the CLI from drifting apart.)
 */
const COMMANDS = ["validate", "render", "plan", "apply", "drift", "watch", "cp", "export", "hydrate"] as const;
const read = (...parts: string[]) => readFileSync(path.join(projectRoot, ...parts), "utf8");
const readme = read("README.md");

async function helpFlags(args: readonly string[]): Promise<Set<string>> {
  const run = await runCli([...args, "--help"], projectRoot);
  assert.equal(run.code, 0, run.stderr);
  return new Set([...run.stdout.matchAll(/^ {2}(?:-\w, )?(--[a-z][a-z0-9-]*)/gm)].map((m) => m[1] as string));
}

/** The fenced code blocks of a markdown text, continuation lines (`\` at the end) joined. */
function codeLines(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/^```[a-z]*\n([\s\S]*?)^```/gm)].map((m) => m[1] as string);
  return blocks.flatMap((block) => block.replace(/\\\n\s*/g, " ").split("\n"));
}

/** Each meshops command a line runs, with the flags given to it: up to a pipe, `&&`, `;`, a redirection or a comment. */
function invocations(line: string): { command: string; flags: string[] }[] {
  const found = [...line.matchAll(/(?:bin\/meshops\.js,?|\bmeshops)\s+([a-z]+)\b([^|&;#>]*)/g)];
  return found
    .filter((m) => (COMMANDS as readonly string[]).includes(m[1] as string))
    .map((m) => ({ command: m[1] as string, flags: [...(m[2] as string).matchAll(/(?:^|[\s,[])(--[a-z][a-z0-9-]*)/g)].map((f) => f[1] as string) }));
}

test("every flag of every command's --help is documented in README", async () => {
  for (const args of [[], ...COMMANDS.map((c) => [c])]) {
    for (const flag of await helpFlags(args)) {
      if (flag === "--help") continue;
      assert.ok(readme.includes(`\`${flag}`) || readme.includes(` ${flag} `) || readme.includes(`${flag}=`), `meshops ${args.join(" ")} ${flag} is not in README.md`);
    }
  }
});

test("the command lines of README, examples/ and deploy/ use only flags their command has", async () => {
  const flagsOf = new Map<string, Set<string>>();
  for (const command of COMMANDS) flagsOf.set(command, await helpFlags([command]));
  const lines: { where: string; line: string }[] = [
    ...codeLines(readme).map((line) => ({ where: "README.md", line })),
    ...readdirSync(path.join(projectRoot, "examples"))
      .filter((f) => f.endsWith(".yml"))
      .flatMap((f) => read("examples", f).split("\n").map((line) => ({ where: `examples/${f}`, line }))),
    ...read("deploy", "argocd", "plugin.yaml").split("\n").map((line) => ({ where: "deploy/argocd/plugin.yaml", line })),
  ];
  // The Kubernetes variants give the command and its flags as a container's args, and the image its default command.
  for (const file of readdirSync(path.join(projectRoot, "deploy", "kubernetes"))) {
    for (const doc of read("deploy", "kubernetes", file).split(/^---$/m).map((text) => parse(text) as Record<string, unknown> | null)) {
      const containers = ((doc?.spec as { template?: { spec?: { containers?: { args?: string[] }[] } } } | undefined)?.template?.spec?.containers ?? []);
      for (const c of containers) if (c.args) lines.push({ where: `deploy/kubernetes/${file}`, line: `meshops ${c.args.join(" ")}` });
    }
  }
  const cmd = /^CMD (\[.*\])$/m.exec(read("deploy", "Dockerfile"))?.[1];
  assert.ok(cmd, "the Dockerfile has a CMD");
  lines.push({ where: "deploy/Dockerfile", line: `meshops ${(JSON.parse(cmd) as string[]).join(" ")}` });

  let checked = 0;
  for (const { where, line } of lines) {
    for (const { command, flags } of invocations(line)) {
      checked++;
      for (const flag of flags) assert.ok(flagsOf.get(command)?.has(flag), `${where}: meshops ${command} has no ${flag}: ${line.trim()}`);
    }
  }
  // The examples are found: a pattern that matched nothing would pass whatever they say.
  assert.ok(checked > 50, `only ${checked} command lines found`);
});

test("README's `node bin/meshops.js` lines that read a repository name one: run in this checkout, `.` is meshops' own source", () => {
  // A newcomer runs them where `bin/meshops.js` is: without --repo or --path they read the checkout, src/ and
  // test/fixtures included, and fail with hundreds of errors. Examples for a configuration repository say `meshops`.
  const readers = new Set(["validate", "render", "plan", "apply", "drift", "hydrate", "watch"]);
  let checked = 0;
  for (const line of codeLines(readme)) {
    for (const m of line.matchAll(/node bin\/meshops\.js\s+([a-z]+)\b([^|&;#>]*)/g)) {
      if (!readers.has(m[1] as string)) continue;
      checked++;
      const args = m[2] as string;
      const givenPath = /--path[\s=](\S+)/.exec(args)?.[1];
      assert.ok(/--repo[\s=]/.test(args) || givenPath !== undefined, `README.md: reads the meshops checkout (give --path sample-repo, or write it as \`meshops\` run in a configuration repository): ${line.trim()}`);
      if (givenPath !== undefined && !/--repo[\s=]/.test(args)) assert.ok(existsSync(path.join(projectRoot, givenPath)), `README.md: --path ${givenPath} is not in the checkout: ${line.trim()}`);
    }
  }
  assert.ok(checked > 3, `only ${checked} lines found`);
});

test("every key of meshops.yaml's schema is in README's meshops.yaml section", () => {
  const start = readme.indexOf("### meshops.yaml");
  const section = readme.slice(start, readme.indexOf("\n### ", start + 1));
  const keys = new Set<string>();
  const walk = (node: Record<string, unknown>, defs: Record<string, Record<string, unknown>>): void => {
    const resolved = typeof node.$ref === "string" ? (defs[node.$ref.split("/").at(-1) as string] ?? node) : node;
    for (const [key, value] of Object.entries((resolved.properties ?? {}) as Record<string, Record<string, unknown>>)) {
      keys.add(key);
      walk(value, defs);
    }
    if (resolved.items && typeof resolved.items === "object") walk(resolved.items as Record<string, unknown>, defs);
    if (resolved.additionalProperties && typeof resolved.additionalProperties === "object") walk(resolved.additionalProperties as Record<string, unknown>, defs);
  };
  const schema = JSON.parse(read("schemas", "meshops.schema.json")) as Record<string, unknown>;
  walk(schema, (schema.$defs ?? {}) as Record<string, Record<string, unknown>>);
  assert.ok(keys.size > 30, `${keys.size} keys`);
  for (const key of keys) assert.match(section, new RegExp(`\\b${key}\\b`), `meshops.yaml key ${key} is not in README's meshops.yaml section`);
});

test("every rule README's validate table names has a description in SARIF's rule list (what code scanning shows)", () => {
  const start = readme.indexOf("What it checks, each problem with");
  const table = readme.slice(start, readme.indexOf("\n\n", readme.indexOf("| rule | what |", start)));
  const rules = [...table.matchAll(/^\| ([^|]+) \|/gm)].flatMap((row) => [...(row[1] as string).matchAll(/`([a-z][a-z0-9-]*)`/g)].map((m) => m[1] as string));
  assert.ok(rules.length > 40, `${rules.length} rules in the table`);
  for (const rule of rules) assert.notEqual(describeRule(rule), `meshops rule ${rule}.`, `SARIF has no description of ${rule}`);
});

test("docs/architecture.md names every module of src/ (a command's file and a kind's validator by their folders' rule)", () => {
  const architecture = read("docs", "architecture.md");
  const modules = (readdirSync(path.join(projectRoot, "src"), { recursive: true }) as string[]).map((f) => f.split(path.sep).join("/")).filter((f) => f.endsWith(".ts"));
  assert.ok(modules.length > 150, `${modules.length} modules`);
  const kindValidator = (file: string) => {
    const name = path.basename(file, ".ts");
    return file.startsWith("validate/rules/") && resourceType(name.charAt(0).toUpperCase() + name.slice(1)) !== undefined;
  };
  const unnamed = modules.filter((f) => !f.startsWith("cli/commands/") && !kindValidator(f) && !architecture.includes(`\`${path.basename(f)}\``) && !architecture.includes(f));
  assert.deepEqual(unnamed, [], "modules docs/architecture.md does not name");
});
