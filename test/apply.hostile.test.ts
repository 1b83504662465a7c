/**
 * `apply` against control planes that misbehave: read-only, stopped answering, dead, and an apply stopped by a
 * signal partway. Whatever happens, apply ends in bounded time with a report of what was applied, failed and not
 * attempted. The real CLI process against servers on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { openStore } from "../src/backend/store.js";
import { startControlPlaneServer } from "../src/cp/server.js";
import { spawnCli } from "./helpers/cli.js";
import { waitFor } from "./helpers/daemon.js";
import { commitFiles, tempRepo } from "./helpers/git.js";
import { meshTimeoutYaml } from "./helpers/policies.js";

const repo = tempRepo("meshops-apply-hostile-");
const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
  repo.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const timeout = (mesh: string, name: string) => meshTimeoutYaml(name, mesh, "10s");

commitFiles(repo.dir, { "mesh.yaml": `type: Mesh\nname: default\n---\n${timeout("default", "t1")}` }, "small");

async function controlPlane(options: { readOnly?: boolean } = {}): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), "meshops-apply-hostile-cp-"));
  dirs.push(dir);
  const store = await openStore({ stateDir: dir, skipMeshCreation: true });
  const server = await startControlPlaneServer({ store, port: 0, ...options });
  cleanups.push(async () => {
    await server.close();
    await store.close();
  });
  return server.url;
}

test("apply against a read-only control plane says so and exits 1 (no unhandled rejection)", async () => {
  const url = await controlPlane({ readOnly: true });
  const run = await spawnCli(["apply", "--cp-url", url], repo.dir).exit(20_000);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /read-only/);
  assert.doesNotMatch(run.stderr, /UnhandledPromiseRejection|at .*\.js:\d+/);
});

/** A server that accepts connections and never answers: a control plane that stopped responding. */
async function silentServer(): Promise<string> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

test("a control plane that never answers is reported within --request-timeout (each try) and --timeout (the whole run)", async () => {
  const url = await silentServer();
  let started = Date.now();
  const perRequest = await spawnCli(["apply", "--cp-url", url, "--request-timeout", "500ms"], repo.dir).exit(20_000);
  const perRequestMs = Date.now() - started;
  assert.equal(perRequest.code, 1);
  assert.match(perRequest.stderr, /the control plane's (version|resource types): GET http:\S+ failed after \d+ attempts: timed out \(no complete answer within 500 ms\)/);
  assert.ok(perRequestMs < 15_000, `${perRequestMs} ms`);

  started = Date.now();
  const overall = await spawnCli(["apply", "--cp-url", url, "--timeout", "1s"], repo.dir).exit(20_000);
  const overallMs = Date.now() - started;
  assert.equal(overall.code, 1);
  assert.match(overall.stderr, /timed out after 1s/);
  assert.ok(overallMs < 8_000, `${overallMs} ms`);
});

test("a URL that is not a Kuma API (a web page, a wrong path) is one line naming the URL, without the page", async () => {
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith("/page")) res.writeHead(200, { "content-type": "text/html" }).end("<!DOCTYPE html><html><body>Welcome</body></html>");
    else res.writeHead(404, { "content-type": "text/html" }).end("<!DOCTYPE HTML><title>404 Not Found</title><h1>Not Found</h1>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  for (const [url, why] of [
    [`${base}/nope`, "404"],
    [`${base}/page`, "the answer is not JSON"],
  ] as const) {
    const run = await spawnCli(["plan", "--cp-url", url], repo.dir).exit(20_000);
    assert.equal(run.code, 1, run.stderr);
    const lines = run.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, run.stderr);
    assert.ok(lines[0]?.includes(why) && lines[0].includes(`not a Kuma control plane's API; is the URL ${url} right?`), run.stderr);
    assert.doesNotMatch(run.stderr, /DOCTYPE|<html|Welcome/i);
  }
});

test("by default a control plane that never answers is reported in under 30 s", async () => {
  const url = await silentServer();
  const started = Date.now();
  const run = await spawnCli(["apply", "--cp-url", url], repo.dir).exit(40_000);
  const elapsedMs = Date.now() - started;
  assert.equal(run.code, 1);
  assert.match(run.stderr, /no complete answer/);
  assert.ok(elapsedMs < 30_000, `${elapsedMs} ms`);
});

/** MESHES × POLICIES MeshTimeouts over a control plane slowed to about `delayMs` per request. */
async function bigRepoAndSlowControlPlane(delayMs: number): Promise<{ dir: string; url: string; count: () => Promise<number> }> {
  const big = tempRepo("meshops-apply-sigterm-");
  cleanups.push(async () => big.cleanup());
  const files: Record<string, string> = {};
  for (let m = 0; m < 4; m++) {
    const docs = [`type: Mesh\nname: tenant-${m}\nskipCreatingInitialPolicies: ["*"]\n`];
    for (let i = 0; i < 500; i++) docs.push(timeout(`tenant-${m}`, `t-${i}`));
    files[`tenant-${m}.yaml`] = docs.join("---\n");
  }
  commitFiles(big.dir, files, "2,000 policies");
  const dir = mkdtempSync(path.join(tmpdir(), "meshops-apply-sigterm-cp-"));
  dirs.push(dir);
  const store = await openStore({ stateDir: dir, skipMeshCreation: true });
  const server = await startControlPlaneServer({
    store,
    port: 0,
    faults: (req) => (req.method === "PUT" ? new Promise((resolve) => setTimeout(() => resolve(undefined), delayMs)) : undefined),
  });
  cleanups.push(async () => {
    await server.close();
    await store.close();
  });
  const count = async () => {
    const list = await store.list("MeshTimeout", undefined);
    return list.ok ? list.total : -1;
  };
  return { dir: big.dir, url: server.url, count };
}

for (const [signal, code] of [
  ["SIGTERM", 143],
  ["SIGINT", 130],
] as const) {
  test(`${signal} mid-apply: writes stop, the ones in flight finish, the report says what was applied and not attempted, exit ${code}`, async () => {
    const { dir, url, count } = await bigRepoAndSlowControlPlane(40);
    const apply = spawnCli(["apply", "--cp-url", url, "--format", "json"], dir);
    // Progress on stderr: wait until some writes were made.
    await waitFor("apply progress on stderr", () => (/applying: [1-9]\d* of 2004/.test(apply.stderr()) ? true : undefined), 30_000, 50);
    apply.child.kill(signal);
    const run = await apply.exit(20_000);
    assert.equal(run.code, code, run.stderr);
    const report = JSON.parse(run.stdout) as { interrupted: string; summary: { applied: number; failed: number; notAttempted: number }; results: { resource: string; outcome: string }[] };
    assert.equal(report.interrupted, signal);
    assert.ok(report.summary.applied > 0 && report.summary.notAttempted > 0, JSON.stringify(report.summary));
    assert.equal(report.summary.applied + report.summary.failed + report.summary.notAttempted, 2004);
    assert.equal(report.results.length, 2004);
    // The report is the truth: what it calls applied is in the control plane, and nothing else is.
    const appliedTimeouts = report.results.filter((r) => r.outcome === "applied" && r.resource.startsWith("MeshTimeout/")).length;
    assert.equal(await count(), appliedTimeouts);
    assert.match(run.stderr, new RegExp(`${signal}: stopping`));
  });
}

test("text output of an interrupted apply names the counts", async () => {
  const { dir, url } = await bigRepoAndSlowControlPlane(40);
  const apply = spawnCli(["apply", "--cp-url", url], dir);
  await waitFor("apply progress on stderr", () => (/applying: [1-9]\d* of 2004/.test(apply.stderr()) ? true : undefined), 30_000, 50);
  apply.child.kill("SIGTERM");
  const run = await apply.exit(20_000);
  assert.equal(run.code, 143);
  assert.match(run.stdout, /Apply interrupted \(SIGTERM\): \d+ applied, 0 failed, \d+ not attempted\./);
  assert.doesNotMatch(run.stderr, /✓|MeshTimeout\//, "no per-resource progress lines without --verbose");
});

test("a large apply's text report is a summary; --verbose lists every change", async () => {
  const quiet = await bigRepoAndSlowControlPlane(0);
  const run = await spawnCli(["apply", "--cp-url", quiet.url], quiet.dir).exit(60_000);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.stdout.trimEnd().split("\n"), ["✓ 2004 applied: 2004 created, 0 updated, 0 deleted (every change: --verbose, or --format json)", "Apply complete: 2004 applied."]);
  assert.equal(await quiet.count(), 2000);

  const listed = await bigRepoAndSlowControlPlane(0);
  const verbose = await spawnCli(["apply", "--cp-url", listed.url, "--verbose"], listed.dir).exit(60_000);
  assert.equal(verbose.code, 0, verbose.stderr);
  const lines = verbose.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 2005);
  assert.equal(lines.filter((l) => /^✓ create (Mesh\/tenant-\d|MeshTimeout\/tenant-\d\/t-\d+)$/.test(l)).length, 2004);
  assert.equal(verbose.stderr.split("\n").filter((l) => l.startsWith("applied create ")).length, 2004, "a progress line per change on stderr");
});

test("a write refused with a multi-line problem is one report line each (the control plane's words, no token); a second apply writes only what failed", async () => {
  const token = "s3cr3t-token-value";
  const mid = tempRepo("meshops-apply-refused-");
  cleanups.push(async () => mid.cleanup());
  const docs = [`type: Mesh\nname: tenant\nskipCreatingInitialPolicies: ["*"]\n`, timeout("tenant", "t1"), timeout("tenant", "t2"), timeout("tenant", "t3")];
  commitFiles(mid.dir, { "tenant.yaml": docs.join("---\n") }, "a mesh and three policies");
  const dir = mkdtempSync(path.join(tmpdir(), "meshops-apply-refused-cp-"));
  dirs.push(dir);
  const store = await openStore({ stateDir: dir, skipMeshCreation: true });
  let refuse = true;
  const server = await startControlPlaneServer({
    store,
    port: 0,
    // A 409 and a 400 whose texts span lines (a wrapped Go error, a proxy's message), one echoing the request's token.
    faults: (req) => {
      if (!refuse || req.method !== "PUT") return undefined;
      if (req.url?.endsWith("/meshtimeouts/t2")) return { status: 409, title: "Conflict", detail: `resource was modified\nby ${req.headers.authorization ?? "?"}\n  retry later` };
      if (req.url?.endsWith("/meshtimeouts/t3"))
        return { status: 400, title: "Bad Request", detail: "Resource is not valid", invalidParameters: [{ field: "spec.to[0]", reason: "first problem\nsecond problem" }] };
      return undefined;
    },
  });
  cleanups.push(async () => {
    await server.close();
    await store.close();
  });
  const env = { MESHOPS_CP_TOKEN: token };

  const first = await spawnCli(["apply", "--cp-url", server.url], mid.dir, env).exit(20_000);
  assert.equal(first.code, 1, first.stderr);
  assert.doesNotMatch(first.stdout + first.stderr, new RegExp(token));
  const lines = first.stdout.trimEnd().split("\n");
  assert.deepEqual(
    lines.map((l) => l.split(" (")[0]),
    ["✓ create Mesh/tenant", "✓ create MeshTimeout/tenant/t1", "✗ create MeshTimeout/tenant/t2", "✗ create MeshTimeout/tenant/t3", "Apply failed: 2 applied, 2 failed, 0 not attempted."],
    first.stdout,
  );
  assert.match(lines[2] ?? "", /PUT \/\S+ refused \(409 resource was modified by Bearer <redacted> retry later\)$/);
  assert.match(lines[3] ?? "", /PUT \/\S+ refused \(400 Resource is not valid\): spec\.to\[0\]: first problem second problem$/);

  refuse = false;
  const second = await spawnCli(["apply", "--cp-url", server.url], mid.dir, env).exit(20_000);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(second.stdout.trimEnd().split("\n"), ["✓ create MeshTimeout/tenant/t2", "✓ create MeshTimeout/tenant/t3", "Apply complete: 2 applied."]);
  const list = await store.list("MeshTimeout", undefined);
  assert.equal(list.ok ? list.total : -1, 3);
});
