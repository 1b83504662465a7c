/**
 * The CLI's bundle (dist/src/bundle/, scripts/build-cli.mjs), which bin/meshops.js prefers: the build makes it, it
 * gives the in-process CLI's results (dist/src), and the launcher falls back to dist/src without it. The other process
 * tests (spawnCli, the daemon's) run the bundle too.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { versionText } from "../src/cli/version.js";
import { runCli, spawnCli, type CliRun } from "./helpers/cli.js";
import { projectRoot } from "./helpers/git.js";

const BUNDLE = path.join(projectRoot, "dist", "src", "bundle");
const SAMPLE = path.join(projectRoot, "sample-repo");
const work = mkdtempSync(path.join(tmpdir(), "meshops-cli-bundle-"));
after(() => rmSync(work, { recursive: true, force: true }));

const run = (args: readonly string[], cwd: string): Promise<CliRun> => spawnCli(args, cwd).exit(60_000);

test("the build bundles the CLI", () => {
  assert.ok(existsSync(path.join(BUNDLE, "main.js")), "dist/src/bundle/main.js is missing: npm run build makes it");
});

test("the bundle validates as the CLI in dist/src does, in every format", async () => {
  for (const format of ["text", "json", "sarif", "junit", "markdown", "github"]) {
    const args = ["validate", "--path", SAMPLE, "--format", format];
    const [bundled, modules] = [await run(args, work), await runCli(args, work)];
    assert.deepEqual({ code: bundled.code, stdout: bundled.stdout, stderr: bundled.stderr }, modules, format);
  }
});

test("the bundle reports an invalid repository and an operator's mistake as the CLI in dist/src does", async () => {
  for (const args of [
    ["validate", "--path", path.join(projectRoot, "test", "fixtures", "validate", "schema-errors")],
    ["validate", "--path", path.join(projectRoot, "test", "fixtures", "validate", "semantic-errors"), "--format", "json"],
    ["render", "--path", SAMPLE, "--format", "json"],
    ["plan", "--path", path.join(work, "no-such-dir")],
  ]) {
    const [bundled, modules] = [await run(args, projectRoot), await runCli(args, projectRoot)];
    assert.deepEqual({ code: bundled.code, stdout: bundled.stdout, stderr: bundled.stderr }, modules, args.join(" "));
  }
});

test("--version from the bundle", async () => {
  const version = await run(["--version"], work);
  assert.deepEqual(version, { code: 0, signal: null, stdout: `${versionText()}\n`, stderr: "" });
});

test("the one-shot commands load none of the daemon's logging (pino, pino-pretty: 80 ms of a small validate)", () => {
  // Records every package a CommonJS require loads (the bundle leaves node_modules to Node), printed at exit.
  const recorder = path.join(work, "record-requires.cjs");
  writeFileSync(
    recorder,
    `const Module = require("node:module"); const seen = new Set(); const load = Module._load;
     Module._load = function (request, ...rest) { seen.add(request); return load.call(this, request, ...rest); };
     process.on("exit", () => process.stderr.write("\\nREQUIRED " + JSON.stringify([...seen]) + "\\n"));`,
  );
  for (const args of [["validate", "--path", SAMPLE], ["render", "--path", SAMPLE, "--format", "json"]]) {
    const result = spawnSync(process.execPath, ["--require", recorder, path.join(projectRoot, "bin", "meshops.js"), ...args], { cwd: projectRoot, encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    const required = JSON.parse(/REQUIRED (.*)/.exec(result.stderr)?.[1] ?? "null") as string[] | null;
    assert.ok(required && required.length > 0, "the recorder saw the requires");
    assert.deepEqual(required.filter((m) => /^pino/.test(m)), [], args.join(" "));
  }
});

/** A copy of the launcher with dist/src/<folder> linked from the build for each folder given. */
function launcherWith(name: string, folders: readonly string[]): string {
  const root = path.join(work, name);
  mkdirSync(path.join(root, "dist", "src"), { recursive: true });
  cpSync(path.join(projectRoot, "bin"), path.join(root, "bin"), { recursive: true });
  for (const folder of folders) symlinkSync(path.join(projectRoot, "dist", "src", folder), path.join(root, "dist", "src", folder));
  return path.join(root, "bin", "meshops.js");
}

test("bin/meshops.js runs the bundle when there is one, dist/src's CLI when there is none", async () => {
  for (const launcher of [launcherWith("bundle-only", ["bundle"]), launcherWith("modules-only", ["cli"])]) {
    const result = spawnSync(process.execPath, [launcher, "--version"], { cwd: work, encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `${versionText()}\n`, launcher);
  }
});

test("bin/meshops.js runs whichever of the two was built last: `tsc` alone leaves the bundle behind dist/src", () => {
  const launcher = launcherWith("stale-bundle", ["cli"]);
  const fake = path.join(path.dirname(launcher), "..", "dist", "src", "bundle");
  mkdirSync(fake);
  writeFileSync(path.join(fake, "main.js"), 'export async function main() { process.stdout.write("the bundle\\n"); return 0; }\n');
  const ran = () => spawnSync(process.execPath, [launcher, "--version"], { cwd: work, encoding: "utf8" }).stdout;
  utimesSync(path.join(fake, "main.js"), new Date(1_000_000), new Date(1_000_000));
  assert.equal(ran(), `${versionText()}\n`, "an older bundle is not run");
  const later = new Date(Date.now() + 3_600_000);
  utimesSync(path.join(fake, "main.js"), later, later);
  assert.equal(ran(), "the bundle\n", "a newer bundle is run");
});

test("the package holds the launcher, the bundle and the build-time validators, not V8's code caches", () => {
  // --ignore-scripts: the build already ran (npm pack would run it again through prepare).
  const pack = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: projectRoot, encoding: "utf8" });
  assert.equal(pack.status, 0, pack.stderr);
  const files = new Set((JSON.parse(pack.stdout) as { files: { path: string }[] }[])[0]?.files.map((file) => file.path));
  for (const file of ["bin/meshops.js", "dist/src/bundle/main.js", "dist/src/cli/main.js", "dist/validators/Mesh.js", "dist/validators/Mesh.cjs"]) {
    assert.ok(files.has(file), file);
  }
  // A cache holds for the Node.js that built it only; V8 refuses it elsewhere, so it would be weight for nothing.
  assert.deepEqual([...files].filter((file) => file.endsWith(".cache")), []);
});
