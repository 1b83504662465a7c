/**
 * What an operator sees when something they can fix is wrong: one line naming the problem and the fix, exit 1, and a
 * stack trace only with --debug. And `meshops --version`. The CLI runs in-process on real files, ports and locks.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { openStore } from "../src/backend/store.js";
import { runCli, spawnCli, type CliRun } from "./helpers/cli.js";
import { commitFiles, projectRoot, tempRepo } from "./helpers/git.js";

const work = mkdtempSync(path.join(tmpdir(), "meshops-cli-errors-"));
after(() => rmSync(work, { recursive: true, force: true }));

function assertOneLine(run: CliRun, pattern: RegExp): void {
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, pattern);
  assert.equal(run.stderr.trimEnd().split("\n").length, 1, `more than one line:\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /unexpected error|\n\s+at /);
}

async function busyPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test("--version: meshops, the Kuma versions it supports, Node.js", async () => {
  const run = await runCli(["--version"], work);
  const { version } = JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")) as { version: string };
  assert.equal(run.code, 0);
  const lines = run.stdout.trimEnd().split("\n");
  assert.equal(lines[0], `meshops ${version}`);
  assert.match(lines[1] ?? "", /^Kuma: schemas and validation rules of v2\.14\.3; 2\.x .* 3\.x/);
  assert.equal(lines[2], `Node.js: ${process.version}`);
});

test("a --repo that does not exist", async () => {
  assertOneLine(await runCli(["validate", "--repo", "no-such-dir"], work), /^meshops: --repo no-such-dir: no such directory; give a directory inside a Git working copy/);
});

test("a repository Git refuses as another user's (a CI container's checkout) names safe.directory, not 'not inside a Git working copy'", async () => {
  const repo = tempRepo("meshops-dubious-");
  try {
    commitFiles(repo.dir, { "mesh.yaml": "type: Mesh\nname: default\n" });
    // Git's own switch for testing its ownership check (safe.directory), as a checkout owned by another user trips it.
    const run = await spawnCli(["validate"], repo.dir, { GIT_TEST_ASSUME_DIFFERENT_OWNER: "1" }).exit(30_000);
    assertOneLine(run, /^meshops: Git refuses the repository at .+: it is owned by another user than this process's \(detected dubious ownership\); if it is yours to read, allow it: git config --global --add safe\.directory \S+\n$/);
  } finally {
    repo.cleanup();
  }
});

test("without git on PATH (a minimal container), one line says so, not 'not inside a Git working copy'", async () => {
  const repo = tempRepo("meshops-no-git-");
  try {
    commitFiles(repo.dir, { "mesh.yaml": "type: Mesh\nname: default\n" });
    const run = await spawnCli(["validate"], repo.dir, { PATH: path.join(work, "no-such-bin") }).exit(30_000);
    assertOneLine(run, /^meshops: git is not on PATH: meshops reads the repository with the git command; install Git, or add its folder to PATH\n$/);
  } finally {
    repo.cleanup();
  }
});

test("a token file that does not exist", async () => {
  const missing = path.join(work, "no-token");
  assertOneLine(await runCli(["cp", "--token-file", missing, "--state-dir", path.join(work, "cp-token")], work), new RegExp(`^meshops: cannot read --token-file ${missing}: ${missing} does not exist`));
});

test("a --token-file that does not exist is said before the repository is validated (plan, drift, apply over --cp-url)", async () => {
  const repo = tempRepo("meshops-token-first-");
  try {
    // An invalid repository: were it validated first, its error would be the answer.
    commitFiles(repo.dir, { "mesh.yaml": "type: Mesh\nname: default\n---\ntype: MeshTimeout\nname: t\nmesh: default\nspec: {nope: 1}\n" });
    const missing = path.join(work, "no-such-token");
    for (const command of ["plan", "drift", "apply"]) {
      const run = await runCli([command, "--cp-url", "http://127.0.0.1:9", "--token-file", missing], repo.dir);
      assertOneLine(run, new RegExp(`^meshops: cannot read --token-file ${missing}: ${missing} does not exist`));
    }
  } finally {
    repo.cleanup();
  }
});

test("a --kuma-version meshops does not emulate is refused in one line, as meshops.yaml's controlPlane.version is, instead of serving 2.14 under that version's name", { timeout: 30_000 }, async () => {
  const supported = "use 2.10, 2.11, 2.12, 2.13, 2.14 (any patch release) or 3.x";
  for (const [version, problem] of [
    ["2.9.0", `is not supported: ${supported}`],
    ["2.15.0", `is not supported: ${supported}`],
    ["v2.12.3", "is not a version as Kuma writes it: write 2.12.3, without the v"],
    ["abc", `is not a version: ${supported}`],
  ] as const) {
    const stateDir = path.join(work, `cp-version-${version}`);
    const said = await runCli(["cp", "--kuma-version", version, "--listen", "127.0.0.1:0", "--state-dir", stateDir], work);
    assertOneLine(said, new RegExp(`^meshops: --kuma-version ${version} ${problem}\\n$`.replace(/[.()]/g, "\\$&")));
    assert.equal(existsSync(stateDir), false, "nothing is created");
  }
});

test("a state directory that cannot be made: one line naming it, never a hang", { timeout: 30_000 }, async () => {
  const file = path.join(work, "a-file");
  writeFileSync(file, "not a directory\n");
  assertOneLine(await runCli(["cp", "--state-dir", file], work), new RegExp(`^meshops: cannot open the embedded control plane in ${file}: ${file} exists and is not a directory`));
  // Where mkdir answers ENOENT below a parent that exists (/proc), Node's recursive mkdir retries forever at full CPU.
  assertOneLine(await runCli(["cp", "--state-dir", "/proc/meshops-state"], work), /^meshops: cannot open the embedded control plane in \/proc\/meshops-state: \/proc\/meshops-state does not exist$/m);
});

test("a damaged state.json is one line, the parser's words whole (they quote the text, newline and all)", async () => {
  const repo = tempRepo("meshops-damaged-state-");
  const stateDir = path.join(work, "damaged-state");
  try {
    commitFiles(repo.dir, { "mesh.yaml": "type: Mesh\nname: default\n" });
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(path.join(stateDir, "state.json"), "garbage\n");
    const run = await runCli(["plan", "--state-dir", stateDir], repo.dir);
    assertOneLine(run, /state\.json is damaged: not valid JSON \(Unexpected token .*garbage.*\); restore it from a backup or move the state directory aside$/m);
  } finally {
    repo.cleanup();
  }
});

test("a state directory in use, by this process or by another", async () => {
  const stateDir = path.join(work, "in-use");
  const store = await openStore({ stateDir });
  try {
    const run = await runCli(["plan", "--repo", projectRoot, "--path", "sample-repo", "--state-dir", stateDir], work);
    assertOneLine(run, /^meshops: control-plane state directory .*in-use is in use by another store in this process \(lock file .*; close the first store\)/);
  } finally {
    await store.close();
  }
});

test("a port in use: one line; the state directory is unlocked again; --debug adds the stack", async () => {
  const busy = await busyPort();
  try {
    const stateDir = path.join(work, "cp-port");
    const args = ["cp", "--listen", `127.0.0.1:${busy.port}`, "--state-dir", stateDir];
    assertOneLine(await runCli(args, work), new RegExp(`^meshops: cannot serve on --listen 127\\.0\\.0\\.1:${busy.port}: 127\\.0\\.0\\.1:${busy.port} is in use; stop what listens there or choose another address`));
    // Nothing is made of a state directory that was not there: made as Universal, it would refuse a retry in Kubernetes mode.
    assert.equal(existsSync(stateDir), false);
    const debug = await runCli([...args, "--debug"], work);
    assert.equal(debug.code, 1);
    assert.match(debug.stderr, /^meshops: cannot serve on --listen .*\nUsageError: cannot serve .*\n\s+at /);

    // The daemon's status server, addressed by --listen or by MESHOPS_LISTEN (the container's default).
    const watch = ["watch", "--repo", projectRoot, "--path", "sample-repo", "--state-dir", path.join(work, "watch-port"), "--log-level", "silent"];
    assertOneLine(await runCli([...watch, "--listen", `127.0.0.1:${busy.port}`], work), new RegExp(`^meshops: cannot listen on --listen 127\\.0\\.0\\.1:${busy.port}: .* is in use`));
    assertOneLine(await runCli(watch, work, { MESHOPS_LISTEN: `127.0.0.1:${busy.port}` }), new RegExp(`^meshops: cannot listen on --listen 127\\.0\\.0\\.1:${busy.port}: .* is in use`));
  } finally {
    await busy.close();
  }
});

test("a flag's value that is not a number or a duration: one line naming the flag, never 'unexpected error'", async () => {
  const repo = tempRepo("meshops-cli-errors-flags-");
  try {
    commitFiles(repo.dir, { "mesh.yaml": "type: Mesh\nname: default\n" });
    const cases: [string[], RegExp][] = [
      [["validate", "--max-file-size", "abc"], /--max-file-size <bytes>.*'abc'.*a positive whole number of bytes/],
      [["validate", "--max-file-size", "-1"], /--max-file-size <bytes>.*'-1'.*a positive whole number of bytes/],
      [["validate", "--format", "markdown", "--markdown-limit", "5"], /--markdown-limit <chars>.*'5'.*a whole number of at least 1000/],
      [["validate", "--format", "github", "--annotations-limit", "x"], /--annotations-limit <n>.*'x'.*a whole number, 0 or more/],
      [["plan", "--request-timeout", "5x"], /--request-timeout <duration>.*'5x'.*a positive duration such as 30s, 5m or 1h/],
      [["apply", "--timeout", "-1s"], /--timeout <duration>.*'-1s'.*a positive duration/],
      [["apply", "--max-deletes", "x"], /--max-deletes <n>.*'x'.*a number, 0 or more/],
      [["apply", "--max-delete-percent", "-5"], /--max-delete-percent <p>.*'-5'.*a number, 0 or more/],
      [["watch", "--interval", "0"], /--interval <duration>.*'0'.*a positive duration/],
      [["watch", "--drift-interval", "1d"], /--drift-interval <duration>.*'1d'.*a positive duration/],
    ];
    for (const [args, pattern] of cases) {
      const run = await runCli([...args, "--repo", repo.dir], work);
      assert.equal(run.code, 1, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, new RegExp(`^error: option '${pattern.source}`), args.join(" "));
      assert.equal(run.stderr.trimEnd().split("\n").length, 1, `more than one line:\n${run.stderr}`);
      assert.doesNotMatch(run.stderr, /unexpected error|please report it/, args.join(" "));
      assert.equal(run.stdout, "", args.join(" "));
    }
  } finally {
    repo.cleanup();
  }
});

test("a repository without commits says so and how to go on, not 'cannot resolve revision HEAD'", async () => {
  const repo = tempRepo("meshops-cli-errors-empty-");
  try {
    writeFileSync(path.join(repo.dir, "mesh.yaml"), "type: Mesh\nname: default\n");
    for (const command of [["validate"], ["plan", "--state-dir", path.join(work, "no-commits")], ["render"]]) {
      assertOneLine(
        await runCli([...command, "--repo", repo.dir], work),
        /^meshops: the repository has no commits yet: commit the configuration to Git, or read the files as they are with --ref WORKTREE$/m,
      );
    }
    // A revision that does not exist in a repository with commits is still said as one.
    commitFiles(repo.dir, {});
    assertOneLine(await runCli(["validate", "--repo", repo.dir, "--ref", "no-such-branch"], work), /^meshops: cannot resolve revision "no-such-branch" to a commit/);
    const worktree = await runCli(["validate", "--repo", repo.dir, "--ref", "WORKTREE"], work);
    assert.equal(worktree.code, 0, worktree.stderr);
  } finally {
    repo.cleanup();
  }
});

test("a folder outside Git (a first try, an Argo CD source without .git): commit it, or read it as it is with --ref WORKTREE", async () => {
  const outside = mkdtempSync(path.join(tmpdir(), "meshops-cli-errors-outside-"));
  try {
    writeFileSync(path.join(outside, "mesh.yaml"), "type: Mesh\nname: default\n");
    for (const command of [["validate"], ["render"], ["plan", "--state-dir", path.join(work, "outside-git")]]) {
      assertOneLine(
        await runCli([...command, "--repo", outside], work),
        new RegExp(`^meshops: ${outside} is not inside a Git working copy: commit the configuration to Git, or read the files as they are with --ref WORKTREE$`, "m"),
      );
    }
    const worktree = await runCli(["validate", "--repo", outside, "--ref", "WORKTREE"], work);
    assert.equal(worktree.code, 0, worktree.stderr);
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
});

test("a 3.x controlPlane.version: the text says once, on stderr, that 2.14's schemas checked it; JSON has it as an info item", async () => {
  const repo = tempRepo("meshops-cli-errors-3x-");
  try {
    commitFiles(repo.dir, { "meshops.yaml": 'controlPlane:\n  version: "3.1.0"\n', "mesh.yaml": "type: Mesh\nname: default\n" });
    const note = "meshops: note: meshops.yaml's controlPlane.version 3.1.0 is newer than the newest line meshops carries (2.14): checked with 2.14's schemas and rules, so what 3.1 changed is not known here";
    const text = await runCli(["validate", "--repo", repo.dir, "--warnings-as-errors"], work);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stderr, `${note}\n`);
    const json = await runCli(["validate", "--repo", repo.dir, "--format", "json"], work);
    assert.equal(json.code, 0, json.stderr);
    const infos = (JSON.parse(json.stdout) as { diagnostics: { severity: string; rule: string; path: string }[] }).diagnostics.filter((d) => d.severity === "info");
    assert.deepEqual(infos.map((d) => `${d.rule} ${d.path}`), ["config controlPlane.version"]);
    // A plan read from the validation cache (which keeps no info item) says it too.
    const cache = path.join(work, "cache-3x");
    for (let run = 0; run < 2; run++) {
      const plan = await runCli(["plan", "--repo", repo.dir, "--state-dir", path.join(work, "state-3x"), "--validation-cache", cache], work);
      assert.equal(plan.code, 2, plan.stderr); // changes: the Mesh to create
      assert.ok(plan.stderr.startsWith(`${note}\n`), `run ${run}: ${plan.stderr}`);
    }
  } finally {
    repo.cleanup();
  }
});

test("hydrate outside Git, or on a repository without commits, does not suggest --ref WORKTREE, which it refuses", async () => {
  const outside = mkdtempSync(path.join(tmpdir(), "meshops-cli-errors-hydrate-outside-"));
  const repo = tempRepo("meshops-cli-errors-hydrate-empty-");
  try {
    const hydrate = (dir: string) => runCli(["hydrate", "--repo", dir, "--branch", "hydrated"], work);
    writeFileSync(path.join(outside, "mesh.yaml"), "type: Mesh\nname: default\n");
    assertOneLine(await hydrate(outside), new RegExp(`^meshops: ${outside} is not inside a Git working copy: hydrate renders a commit; commit the configuration to Git first$`, "m"));
    writeFileSync(path.join(repo.dir, "mesh.yaml"), "type: Mesh\nname: default\n");
    assertOneLine(await hydrate(repo.dir), /^meshops: the repository has no commits yet: hydrate renders a commit; commit the configuration to Git first$/m);
    // What the hint would have offered is refused, as before.
    assertOneLine(await runCli(["hydrate", "--repo", repo.dir, "--branch", "hydrated", "--ref", "WORKTREE"], work), /--ref WORKTREE has no commit/);
  } finally {
    rmSync(outside, { recursive: true, force: true });
    repo.cleanup();
  }
});

test("watch on a folder outside Git, or on a repository without commits, says that, not 'HEAD is detached' or 'no branch main'", async () => {
  const outside = mkdtempSync(path.join(tmpdir(), "meshops-cli-errors-no-git-"));
  const repo = tempRepo("meshops-cli-errors-watch-empty-");
  try {
    const watch = (dir: string) => runCli(["watch", "--repo", dir, "--listen", "127.0.0.1:0", "--state-dir", path.join(work, "watch-no-repo"), "--log-level", "silent"], work);
    // As validate says it (one owner: source/git.ts), with watch's way on.
    assertOneLine(await watch(outside), new RegExp(`^meshops: ${outside} is not inside a Git working copy: give --repo a Git working copy, or a repository's URL$`, "m"));
    writeFileSync(path.join(repo.dir, "mesh.yaml"), "type: Mesh\nname: default\n");
    assertOneLine(await watch(repo.dir), new RegExp(`^meshops: ${repo.dir}: the repository has no commits yet: commit the configuration, then start watch$`, "m"));
  } finally {
    rmSync(outside, { recursive: true, force: true });
    repo.cleanup();
  }
});

test("a control plane that refuses the connection: the reason said once, not repeated from the error's cause, and what to do", async () => {
  const closed = await busyPort();
  await closed.close();
  const repo = tempRepo("meshops-cli-errors-refused-");
  try {
    commitFiles(repo.dir, { "mesh.yaml": "type: Mesh\nname: default\n" });
    const run = await runCli(["plan", "--repo", repo.dir, "--cp-url", `http://127.0.0.1:${closed.port}`, "--request-timeout", "1s"], work);
    // The first of the requests put on the wire at once to fail (GET / or GET /_resources) is the one said.
    assertOneLine(run, new RegExp(`^meshops: the control plane's (version|resource types): GET http://127\\.0\\.0\\.1:${closed.port}/\\S* failed after \\d+ attempts: connect ECONNREFUSED 127\\.0\\.0\\.1:${closed.port}: nothing listens there: start the control plane, or give --cp-url its API address$`, "m"));
  } finally {
    repo.cleanup();
  }
});

test("a --cp-url without http:// (127.0.0.1:5681, localhost:5681) says what to write", async () => {
  const repo = tempRepo("meshops-cli-errors-scheme-");
  try {
    commitFiles(repo.dir, { "mesh.yaml": "type: Mesh\nname: default\n" });
    for (const address of ["127.0.0.1:5681", "localhost:5681"]) {
      const expected = new RegExp(`^meshops: --cp-url ${address.replace(/\./g, "\\.")} has no scheme: write http://${address.replace(/\./g, "\\.")} \\(or https://\\)$`, "m");
      assertOneLine(await runCli(["plan", "--repo", repo.dir, "--cp-url", address], work), expected);
      assertOneLine(await runCli(["export", "--cp-url", address, "--out", path.join(work, "scheme-export")], work), expected);
    }
  } finally {
    repo.cleanup();
  }
});

test("a --cp-url refused as written never shows what may be a credential in it (userinfo, query, fragment)", async () => {
  const repo = tempRepo("meshops-cli-errors-url-credentials-");
  try {
    commitFiles(repo.dir, { "mesh.yaml": "type: Mesh\nname: default\n" });
    const refusals: [string, RegExp][] = [
      ["admin:s3cr3t-tok@10.0.0.1:5681", /^meshops: --cp-url …@10\.0\.0\.1:5681 has no scheme: write http:\/\/…@10\.0\.0\.1:5681 \(or https:\/\/\)$/m],
      ["http://[::1/?token=s3cr3t-tok", /^meshops: --cp-url is not a URL: http:\/\/\[::1\/…$/m],
      ["http://127.0.0.1:5681/?token=s3cr3t-tok", /^meshops: invalid control plane URL http:\/\/127\.0\.0\.1:5681\/: it must not have a query or fragment$/m],
    ];
    for (const [cpUrl, expected] of refusals) {
      const run = await runCli(["plan", "--repo", repo.dir, "--cp-url", cpUrl], work);
      assertOneLine(run, expected);
      assert.ok(!`${run.stdout}${run.stderr}`.includes("s3cr3t"), run.stderr);
    }
  } finally {
    repo.cleanup();
  }
});

test("export of a --state-dir that holds no control plane (a typo, the wrong folder) is one line, not an empty export, and creates nothing", async () => {
  const stateDir = path.join(work, "no-such-state");
  const out = path.join(work, "export-of-nothing");
  assertOneLine(
    await runCli(["export", "--state-dir", stateDir, "--out", out], work),
    new RegExp(`^meshops: --state-dir ${stateDir} holds no control plane \\(no state\\.json\\): give the state directory meshops cp, apply or watch wrote, or --cp-url$`, "m"),
  );
  assert.equal(existsSync(stateDir), false, "export reads only: no state directory is made");
  assert.equal(existsSync(out), false);
});

test("export --out a file, or a path below one: one line, not 'unexpected error: ENOTDIR'", async () => {
  const file = path.join(work, "export-out-file");
  writeFileSync(file, "not a folder\n");
  for (const [out, force] of [[file, false], [path.join(file, "below"), false], [file, true]] as const) {
    const run = await runCli(["export", "--state-dir", path.join(work, "export-state"), "--out", out, ...(force ? ["--force"] : [])], work);
    assertOneLine(run, new RegExp(`^meshops: --out ${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is not a directory \\(it, or a folder above it, is a file\\)$`, "m"));
  }
  assert.equal(readFileSync(file, "utf8"), "not a folder\n");
});

test("plan --out and render --out where a file is in the way: one line naming the flag, not 'unexpected error'", async () => {
  const repo = tempRepo("meshops-cli-errors-out-");
  try {
    commitFiles(repo.dir, { "mesh.yaml": "type: Mesh\nname: default\n" });
    const file = path.join(work, "out-file");
    writeFileSync(file, "in the way\n");
    const below = path.join(file, "x");
    const plan = await runCli(["plan", "--repo", repo.dir, "--state-dir", path.join(work, "out-state"), "--out", below], work);
    assertOneLine(plan, new RegExp(`^meshops: cannot write --out ${below}: ENOTDIR`, "m"));
    const planToDir = await runCli(["plan", "--repo", repo.dir, "--state-dir", path.join(work, "out-state"), "--out", work], work);
    assertOneLine(planToDir, new RegExp(`^meshops: cannot write --out ${work}: EISDIR`, "m"));
    for (const out of [file, below]) {
      const render = await runCli(["render", "--repo", repo.dir, "--format", "kubernetes", "--out", out], work);
      assertOneLine(render, new RegExp(`^meshops: cannot write --out ${out}: .*(is not a directory|ENOTDIR)`, "m"));
    }
    assert.equal(readFileSync(file, "utf8"), "in the way\n");

    // Said before the repository is validated: an invalid one's errors are not the answer, nor is a plan computed.
    commitFiles(repo.dir, { "broken.yaml": "type: MeshTimeout\nname: t\nmesh: default\nspec: {nope: 1}\n" });
    const missing = path.join(work, "no-such-folder", "plan.json");
    const early = await runCli(["plan", "--repo", repo.dir, "--state-dir", path.join(work, "out-state"), "--out", missing], work);
    assertOneLine(early, new RegExp(`^meshops: cannot write --out ${missing}: ${path.dirname(missing)} does not exist$`, "m"));
    const report = await runCli(["validate", "--repo", repo.dir, "--output", `sarif=${missing}`], work);
    assertOneLine(report, new RegExp(`^meshops: cannot write --output sarif=${missing}: ${path.dirname(missing)} does not exist$`, "m"));
  } finally {
    repo.cleanup();
  }
});

test("--listen with a port out of range or no port: one line from cp and watch alike", async () => {
  for (const listen of ["127.0.0.1:99999", "localhost"]) {
    assertOneLine(
      await runCli(["cp", "--listen", listen, "--state-dir", path.join(work, "listen-cp")], work),
      new RegExp(`^meshops: --listen must be host:port \\(a port from 0 to 65535\\), got ${listen}$`, "m"),
    );
  }
  const run = await runCli(["watch", "--repo", projectRoot, "--path", "sample-repo", "--state-dir", path.join(work, "listen-watch"), "--log-level", "silent", "--listen", "127.0.0.1:70000"], work);
  assertOneLine(run, /^meshops: --listen must be host:port \(a port from 0 to 65535\), got 127\.0\.0\.1:70000$/m);
});

test("a reader that stops early (`meshops render | head`): the rest of the output is dropped quietly, with the command's exit code", { timeout: 60_000 }, async () => {
  const repo = tempRepo("meshops-cli-errors-pipe-");
  try {
    // Far more than a pipe holds (64 KiB): the write is still going on when head has its bytes and leaves.
    const timeouts = Array.from({ length: 400 }, (_, i) => `type: MeshTimeout\nname: timeout-${i}\nmesh: default\nspec:\n  targetRef: {kind: Mesh}\n  to:\n    - targetRef: {kind: Mesh}\n      default: {idleTimeout: ${i + 1}s}\n`);
    commitFiles(repo.dir, { "mesh.yaml": "type: Mesh\nname: default\n", "timeouts.yaml": timeouts.join("---\n") });
    // The pipeline as a user types it; bash reports meshops' own exit code (PIPESTATUS), not head's.
    const pipeline = '"$0" "$1" render --format json | head -c 100 >/dev/null; exit "${PIPESTATUS[0]}"';
    const run = spawnSync("bash", ["-c", pipeline, process.execPath, path.join(projectRoot, "bin", "meshops.js")], {
      cwd: repo.dir,
      encoding: "utf8",
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    });
    assert.doesNotMatch(run.stderr, /EPIPE|Unhandled 'error' event|\n\s+at /);
    assert.equal(run.stderr, "");
    assert.equal(run.status, 0);
  } finally {
    repo.cleanup();
  }
});

test("an empty --cp-url (CI's --cp-url \"$KUMA_CP_URL\" with the variable unset) is one line saying so, not drift against an empty embedded control plane", async () => {
  const repo = tempRepo("meshops-empty-url-");
  try {
    commitFiles(repo.dir, { "mesh-config/mesh.yaml": "type: Mesh\nname: payments\n" });
    for (const command of ["drift", "plan", "apply"]) {
      const run = await runCli([command, "--path", "mesh-config", "--cp-url", ""], repo.dir);
      assertOneLine(run, /--cp-url is empty/);
      assert.equal(existsSync(path.join(repo.dir, ".meshops")), false, `${command}: no embedded control plane made`);
    }
  } finally {
    repo.cleanup();
  }
});

test("control-plane flags that do not go together: one line naming them, before the repository is read or a control plane opened", async () => {
  const repo = tempRepo("meshops-flag-conflicts-");
  try {
    commitFiles(repo.dir, { "mesh.yaml": "type: Mesh\nname: default\n" });
    const token = path.join(work, "conflict-token");
    writeFileSync(token, "a-token\n");
    // A flag of --cp-url's without it: the command would run against the embedded control plane (apply "succeeding"
    // into .meshops/cp of a CI checkout), the token or CA silently unused.
    for (const command of ["plan", "drift", "apply", "export"]) {
      const out = command === "export" ? ["--out", path.join(work, "conflict-export")] : [];
      for (const flag of ["--token-file", "--ca-file", "--client-cert-file"]) {
        const run = await runCli([command, flag, token, ...out], repo.dir);
        assertOneLine(run, new RegExp(`^meshops: ${flag} goes with --cp-url, which is not given: without it meshops uses the embedded control plane in --state-dir \\.meshops/cp, where ${flag} has no effect; give --cp-url \\(or leave out ${flag}\\)\n$`));
      }
      // Both control planes named: which one was meant?
      const both = await runCli([command, "--cp-url", "http://127.0.0.1:9", "--state-dir", path.join(work, "conflict-cp"), ...out], repo.dir);
      assertOneLine(both, /^meshops: --state-dir is the embedded control plane's, and --cp-url names another: give one of them\n$/);
    }
    assert.equal(existsSync(path.join(repo.dir, ".meshops")), false, "no embedded control plane made");
    // plan --base is offline: a control plane's flag there was meant for a plan against one.
    for (const flags of [["--state-dir", path.join(work, "conflict-cp")], ["--token-file", token], ["--mode", "kubernetes"]]) {
      const run = await runCli(["plan", "--base", "HEAD", ...flags], repo.dir);
      assertOneLine(run, new RegExp(`^meshops: --base compares two revisions offline; it takes no ${flags[0]}\n$`));
    }
    // watch --cp-listen serves the embedded control plane, which --cp-url leaves unopened.
    const listen = await runCli(["watch", "--cp-url", "http://127.0.0.1:9", "--cp-listen", "127.0.0.1:0"], repo.dir);
    assertOneLine(listen, /^error: option '--cp-listen <host:port>' cannot be used with option '--cp-url <url>'\n$/);
    // Defaults are not flags given: these still run.
    assert.equal((await runCli(["plan", "--base", "HEAD"], repo.dir)).code, 0);
  } finally {
    repo.cleanup();
  }
});

test("a bare repository (or a .git folder) as --repo: one line saying it has no working copy and to give a clone, not --ref WORKTREE, which has no files to read there", async () => {
  const repo = tempRepo("meshops-bare-source-");
  try {
    commitFiles(repo.dir, { "mesh.yaml": "type: Mesh\nname: default\n" });
    const bare = path.join(work, "mesh-config.git");
    spawnSync("git", ["clone", "-q", "--bare", repo.dir, bare]);
    for (const dir of [bare, path.join(repo.dir, ".git")]) {
      const run = await runCli(["validate", "--repo", dir], work);
      assertOneLine(run, new RegExp(`^meshops: ${dir} is a Git directory without a working copy \\(a bare repository, or a \\.git folder\\): give --repo a working copy \\(of a bare repository, a clone: git clone ${dir}\\)\n$`));
    }
  } finally {
    repo.cleanup();
  }
});
