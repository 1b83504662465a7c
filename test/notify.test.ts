/**
 * Notifications: what a run is worth telling (pure), each API's request shape, delivery with retries, and the daemon
 * end to end: `meshops watch` sets commit statuses on a local stand-in for GitHub's and GitLab's APIs and posts to a
 * chat webhook, which check every request against the shape the APIs document (helpers/notifyServer.ts).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { DaemonEvents } from "../src/daemon/events.js";
import { driftReportOf } from "../src/diff/drift.js";
import { createLogger } from "../src/daemon/logger.js";
import { meshViews, notifier } from "../src/notify/notifier.js";
import { buildNotification, type MeshView } from "../src/notify/notification.js";
import { requestFor, type Sink } from "../src/notify/requests.js";
import { NotificationSender } from "../src/notify/sender.js";
import { killAll, startWatch, waitFor } from "./helpers/daemon.js";
import { commitFiles, git, tempRepo } from "./helpers/git.js";
import { runCli } from "./helpers/cli.js";
import { startNotifyServer, type NotifyServer } from "./helpers/notifyServer.js";
import { testStatus } from "./helpers/statusServer.js";
import { startProxy } from "./helpers/proxy.js";
import { meshTimeoutYaml } from "./helpers/policies.js";

const GITHUB_TOKEN = "ghp_never-logged-4b1d";
const GITLAB_TOKEN = "glpat-never-logged-8e2a";
const SHA = "0123456789abcdef0123456789abcdef01234567";
const work = mkdtempSync(path.join(tmpdir(), "meshops-notify-"));
after(() => {
  killAll();
  rmSync(work, { recursive: true, force: true });
});

const view = (state: string, appliedRevision: string | null, reason = ""): MeshView => ({ state, appliedRevision, reason, inRepository: true });
const facts = { revision: SHA, commit: { commit: SHA, message: "tune timeouts", author: "a", date: "" }, repository: [] };

describe("what a run is worth telling", () => {
  test("state changes become notices; the commit's verdict is the most serious one", () => {
    const before = new Map([
      ["blog", view("in-sync", "r1")],
      ["shop", view("in-sync", "r1")],
      ["news", view("drifted", "r1")],
      ["quiet", view("in-sync", "r1")],
    ]);
    const after = new Map([
      ["blog", view("failed", "r1", "MeshTimeout/blog/t: PUT refused (400)")],
      ["shop", view("in-sync", SHA)],
      ["news", view("in-sync", "r1")],
      ["quiet", view("in-sync", "r1", "an old error")],
    ]);
    const n = buildNotification(before, after, facts);
    assert.deepEqual(n?.notices, [
      { mesh: "blog", kind: "failed", reason: "MeshTimeout/blog/t: PUT refused (400)" },
      { mesh: "news", kind: "drift-corrected", reason: "" },
      { mesh: "shop", kind: "applied", reason: "" },
    ]);
    assert.equal(n?.commitState, "failure");
    assert.equal(n?.description, "failed in blog: MeshTimeout/blog/t: PUT refused (400); applied in shop; drift corrected in news");
    assert.equal(n?.text, `meshops: ${SHA.slice(0, 12)} (tune timeouts)\nfailed: blog (MeshTimeout/blog/t: PUT refused (400))\napplied: shop\ndrift corrected: news`);
  });

  test("nothing changed, nothing told; drift alone sets no commit status", () => {
    const same = new Map([["shop", view("in-sync", "r1")]]);
    assert.equal(buildNotification(same, same, facts), undefined);
    const drifted = buildNotification(same, new Map([["shop", view("drifted", "r1")]]), facts);
    assert.deepEqual(drifted?.notices.map((x) => x.kind), ["drift-found"]);
    assert.equal(drifted?.commitState, undefined);
    assert.equal(requestFor({ kind: "github", apiUrl: "http://gh", repository: "o/r", context: "meshops" }, drifted!), undefined);
    assert.ok(requestFor({ kind: "webhook", url: "http://hook" }, drifted!));
  });

  test("a repository-wide problem; 1,000 meshes applied is one line; the description fits GitHub's 140 characters", () => {
    const invalid = buildNotification(new Map(), new Map(), {
      ...facts,
      repository: [{ mesh: "", kind: "invalid", reason: `meshes/shop/a.yaml:3: MeshTimeout/shop/a spec.to: ${"x".repeat(300)}` }],
    });
    assert.equal(invalid?.commitState, "failure");
    assert.equal(invalid?.description.length, 140);
    assert.match(invalid?.description ?? "", /^invalid: meshes\/shop\/a\.yaml:3: /);

    const many = new Map(Array.from({ length: 1000 }, (_, i) => [`mesh-${String(i).padStart(4, "0")}`, view("in-sync", SHA)] as const));
    const applied = buildNotification(new Map(), many, facts);
    assert.equal(applied?.commitState, "success");
    assert.equal(applied?.description, "applied in 1000 meshes");
    assert.match(applied?.text.split("\n")[1] ?? "", /^applied: mesh-0000, .*mesh-0009 and 990 more$/);
  });

  test("a plan held for approval: the commit status is pending, with the reason", () => {
    const n = buildNotification(new Map([["shop", view("in-sync", "r1")]]), new Map([["shop", view("awaiting-approval", "r1", "2 deletes in mesh shop exceed the prune limit")]]), facts);
    assert.equal(n?.commitState, "pending");
    assert.equal(n?.description, "awaiting approval in shop: 2 deletes in mesh shop exceed the prune limit");
    assert.equal(requestFor({ kind: "gitlab", apiUrl: "http://gl/api/v4", project: "g/c", context: "meshops" }, n!)?.body.includes('"state":"pending"'), true);
  });

  test("a mesh blocked by what the control plane lacks: told as blocked, before awaiting approval, and the commit fails", () => {
    const lacks = "1 resource holds what the control plane (Kuma 2.11.4) does not have, nothing of it written until the control plane has it or the repository changes; first edge/p.yaml:10: x";
    const before = new Map([["edge", view("in-sync", "r1")], ["shop", view("in-sync", "r1")]]);
    const n = buildNotification(before, new Map([["edge", view("blocked", "r1", lacks)], ["shop", view("awaiting-approval", "r1", "2 deletes")]]), facts);
    assert.deepEqual(n?.notices.map((x) => [x.mesh, x.kind]), [["edge", "blocked"], ["shop", "awaiting-approval"]]);
    assert.equal(n?.commitState, "failure");
    assert.equal(n?.text, `meshops: ${SHA.slice(0, 12)} (tune timeouts)\nblocked: edge (${lacks})\nawaiting approval: shop (2 deletes)`);
    assert.equal(buildNotification(new Map([["edge", view("blocked", "r1", lacks)]]), new Map([["edge", view("blocked", "r1", lacks)]]), facts), undefined, "still blocked: nothing new");
  });
});

test("the notifier reads each mesh's state from the status without building the rest of it (no resource inventory)", () => {
  const { status, events, sent } = webhookNotified();
  let inventoryBuilt = 0;
  const head = { commit: SHA, message: "tune timeouts", author: "a", date: "" };
  events.emit({ type: "run.started", run: 1, reasons: ["commit"] });
  events.emit({ type: "revision.validated", commit: head, valid: true, diagnostics: [], kept: SHA });
  const results = new Map([["blog", { applied: 0, failed: 1, skipped: 0, errors: [{ resource: "MeshTimeout/blog/t", message: "PUT refused (400)" }] }]]);
  events.emit({ type: "meshes.synced", commit: head, meshes: ["blog", "shop"], results, inventory: () => (inventoryBuilt++, new Map()), driftMode: () => "report", stopped: false });
  const summary = { applied: 0, failed: 1, skipped: 0, drift: 0 };
  events.emit({ type: "run.finished", run: 1, revision: SHA, reasons: ["commit"], triggers: 1, durationMs: 5, end: { kind: "sync", result: "failed", revision: SHA, commit: head, summary } });
  assert.equal(sent.length, 1);
  assert.match(sent[0] ?? "", /failed: blog \(MeshTimeout\/blog\/t: PUT refused \(400\)\)\\napplied: shop/);
  assert.equal(inventoryBuilt, 0, "a notification does not count every mesh's resources");
  assert.deepEqual(meshViews(status).get("shop"), { state: "in-sync", appliedRevision: SHA, reason: status.toJSON().meshes.find((m) => m.name === "shop")?.reason, inRepository: true });
});

describe("delivery", () => {
  const logLines: string[] = [];
  const log = createLogger({ stream: { write: (line: string) => logLines.push(line) }, level: "debug", format: "json", env: {} });
  const tokens = {
    github: { current: () => GITHUB_TOKEN, refresh: () => false },
    gitlab: { current: () => GITLAB_TOKEN, refresh: () => false },
  };

  test("each API's documented shape; a flaky webhook retried with backoff; GitLab's 'already in this state' is not a failure", async () => {
    const api = await startNotifyServer({ github: GITHUB_TOKEN, gitlab: GITLAB_TOKEN });
    const sender = new NotificationSender({ env: {}, log, tokens, backoff: { baseMs: 5, maxMs: 20 } });
    try {
      const n = buildNotification(new Map(), new Map([["shop", view("in-sync", SHA)]]), facts)!;
      const sinks: Sink[] = [
        { kind: "github", apiUrl: `${api.url}/`, repository: "acme/mesh-config", context: "meshops/prod", targetUrl: "https://meshops.example/" },
        { kind: "gitlab", apiUrl: `${api.url}/api/v4`, project: "platform/mesh-config", context: "meshops/prod", ref: "main" },
        { kind: "webhook", url: `${api.url}/hooks/T000/B000/secretpart` },
      ];
      api.failWebhook(2, 503);
      for (const sink of sinks) sender.send(sink, requestFor(sink, n)!);
      await sender.idle();
      assert.deepEqual(api.problems, []);
      const github = api.received.find((r) => r.api === "github");
      assert.equal(github?.path, `/repos/acme/mesh-config/statuses/${SHA}`);
      assert.deepEqual(github?.body, { state: "success", context: "meshops/prod", description: "applied in shop", target_url: "https://meshops.example/" });
      const gitlab = api.received.find((r) => r.api === "gitlab");
      assert.equal(gitlab?.path, `/api/v4/projects/platform%2Fmesh-config/statuses/${SHA}`);
      assert.deepEqual(gitlab?.body, { state: "success", name: "meshops/prod", description: "applied in shop", ref: "main" });
      const hook = api.received.find((r) => r.api === "webhook");
      assert.equal(hook?.body.text, `meshops: ${SHA.slice(0, 12)} (tune timeouts)\napplied: shop`);
      const retries = logLines.map((l) => JSON.parse(l) as { event?: string; sink?: string }).filter((l) => l.event === "notify.retry");
      assert.deepEqual(retries.map((r) => r.sink), [`webhook ${api.url}`, `webhook ${api.url}`], "two retries, the webhook's secret path never logged");

      api.gitlabAlreadySet(true);
      const before = logLines.length;
      sender.send(sinks[1]!, requestFor(sinks[1]!, n)!);
      await sender.idle();
      assert.ok(logLines.slice(before).some((l) => (JSON.parse(l) as { event?: string }).event === "notify.sent"));
      assert.ok(!logLines.join("\n").includes("secretpart") && !logLines.join("\n").includes(GITHUB_TOKEN) && !logLines.join("\n").includes(GITLAB_TOKEN));
    } finally {
      await sender.close();
      await api.close();
    }
  });

  test("through HTTP_PROXY when the environment names one, directly for a NO_PROXY host", async () => {
    const api = await startNotifyServer({ github: GITHUB_TOKEN, gitlab: GITLAB_TOKEN });
    const proxy = await startProxy();
    const viaProxy = new NotificationSender({ env: { HTTP_PROXY: proxy.url }, log, tokens });
    const direct = new NotificationSender({ env: { HTTP_PROXY: proxy.url, NO_PROXY: "127.0.0.1" }, log, tokens });
    try {
      const sink: Sink = { kind: "webhook", url: `${api.url}/hooks/proxied` };
      const request = requestFor(sink, buildNotification(new Map(), new Map([["shop", view("in-sync", SHA)]]), facts)!)!;
      viaProxy.send(sink, request);
      await viaProxy.idle();
      assert.deepEqual(proxy.seen.map((s) => [s.method, s.target]), [["POST", `${api.url}/hooks/proxied`]]);
      direct.send(sink, request);
      await direct.idle();
      assert.equal(proxy.seen.length, 1, "NO_PROXY: not through the proxy");
      assert.equal(api.received.length, 2);
    } finally {
      await viaProxy.close();
      await direct.close();
      await proxy.close();
      await api.close();
    }
  });

  test("a refusal is not retried, and is logged with the API's answer", async () => {
    const api = await startNotifyServer({ github: "another-token", gitlab: GITLAB_TOKEN });
    const sender = new NotificationSender({ env: {}, log, tokens, backoff: { baseMs: 5, maxMs: 20 } });
    try {
      const sink: Sink = { kind: "github", apiUrl: api.url, repository: "acme/mesh-config", context: "meshops" };
      const before = logLines.length;
      sender.send(sink, requestFor(sink, buildNotification(new Map(), new Map([["shop", view("in-sync", SHA)]]), facts)!)!);
      await sender.idle();
      const lines = logLines.slice(before).map((l) => JSON.parse(l) as { event?: string; msg?: string; attempt?: number });
      assert.deepEqual(lines.map((l) => l.event), ["notify.failed"]);
      assert.equal(lines[0]?.attempt, 1);
      assert.match(lines[0]?.msg ?? "", /^cannot notify github acme\/mesh-config: 401 .*Bad credentials/);
    } finally {
      await sender.close();
      await api.close();
    }
  });
});

test("bad notification flags are refused at start, one line each, never echoing a webhook URL", async () => {
  const repo = tempRepo("meshops-notify-flags-");
  after(repo.cleanup);
  commitFiles(repo.dir, { "m.yaml": "type: Mesh\nname: m\n" });
  for (const [args, message] of [
    [["--notify-webhook", "ftp://hooks.example/s3cr3t"], "meshops: --notify-webhook must be an http or https URL\n"],
    [["--notify-github", "acme"], "meshops: --notify-github must be owner/repo, got acme\n"],
    [["--notify-github", "acme/config"], "meshops: --notify-github needs --github-token-file\n"],
    [["--notify-gitlab", "g/c", "--gitlab-token-file", path.join(work, "none")], `meshops: --gitlab-token-file: cannot read the token file ${path.join(work, "none")} (ENOENT)\n`],
  ] as const) {
    const run = await runCli(["watch", "--repo", repo.dir, "--state-dir", path.join(work, "cp-flags"), ...args], repo.dir);
    assert.equal(run.code, 1, args.join(" "));
    assert.equal(run.stderr, message);
  }
});

describe("meshops watch notifies", () => {
  const meshFile = (mesh: string, idleTimeout: string) => `type: Mesh\nname: ${mesh}\n---\n${meshTimeoutYaml("t", mesh, idleTimeout)}`;
  let api: NotifyServer;
  after(async () => api?.close());

  test("commit statuses and webhook messages for an applied commit and for an invalid one", async () => {
    api = await startNotifyServer({ github: GITHUB_TOKEN, gitlab: GITLAB_TOKEN });
    const repo = tempRepo("meshops-notify-repo-");
    after(repo.cleanup);
    const first = commitFiles(repo.dir, { "meshes/shop/shop.yaml": meshFile("shop", "1m"), "meshes/blog/blog.yaml": meshFile("blog", "1m") }, "two meshes");
    writeFileSync(path.join(work, "github-token"), `${GITHUB_TOKEN}\n`);
    writeFileSync(path.join(work, "gitlab-token"), GITLAB_TOKEN);
    const daemon = await startWatch(
      [
        "--repo", repo.dir,
        "--branch", "main",
        "--state-dir", path.join(work, "cp"),
        "--drift-interval", "1h",
        "--notify-webhook", `${api.url}/hooks/T1/B1/s3cr3t`,
        "--notify-github", "acme/mesh-config",
        "--github-api-url", api.url,
        "--github-token-file", path.join(work, "github-token"),
        "--notify-gitlab", "platform/mesh-config",
        "--gitlab-api-url", `${api.url}/api/v4`,
        "--gitlab-token-file", path.join(work, "gitlab-token"),
        "--public-url", "https://meshops.example/",
      ],
      { cwd: work },
    );
    const statusesOf = (sha: string) => api.received.filter((r) => r.api !== "webhook" && r.path.endsWith(`/statuses/${sha}`));
    await waitFor("commit statuses for the first commit", () => (statusesOf(first).length === 2 ? true : undefined), 15_000);
    assert.deepEqual(
      statusesOf(first).map((r) => [r.api, r.body.state, r.body.description]).sort(),
      [
        ["github", "success", "applied in 2 meshes"],
        ["gitlab", "success", "applied in 2 meshes"],
      ],
    );
    assert.equal(statusesOf(first).find((r) => r.api === "gitlab")?.body.ref, "main", "GitLab's ref is the branch followed");
    await waitFor("the webhook message", () => (api.received.some((r) => r.api === "webhook") ? true : undefined));
    assert.equal(api.received.find((r) => r.api === "webhook")?.body.text, `meshops: ${first.slice(0, 12)} (two meshes)\napplied: blog, shop`);

    const bad = commitFiles(repo.dir, { "meshes/blog/blog.yaml": meshFile("blog", "1m").replace("idleTimeout", "idleTimout") }, "a typo");
    await waitFor("commit statuses for the invalid commit", () => (statusesOf(bad).length === 2 ? true : undefined), 15_000);
    for (const status of statusesOf(bad)) {
      assert.equal(status.body.state, status.api === "github" ? "failure" : "failed");
      // Held back as a whole commit (one line for the repository) or in its mesh (per-mesh gates): either names the file.
      assert.match(String(status.body.description), /^invalid(?: in blog)?: .*meshes\/blog\/blog\.yaml:\d+:\d+: MeshTimeout\/blog\/t /);
    }
    await waitFor("the second webhook message", () => (api.received.filter((r) => r.api === "webhook").length === 2 ? true : undefined));
    assert.match(String(api.received.filter((r) => r.api === "webhook")[1]?.body.text), /^meshops: [0-9a-f]{12} \(a typo\)\ninvalid: (?:repository|blog) \(.*meshes\/blog\/blog\.yaml:\d+:\d+:/);
    assert.deepEqual(api.problems, []);

    const log = daemon.lines.join("\n");
    for (const secret of [GITHUB_TOKEN, GITLAB_TOKEN, "s3cr3t"]) assert.ok(!log.includes(secret), `${secret} is not in the log`);
    assert.equal(git(repo.dir, "rev-parse", "HEAD"), bad);
    daemon.child.kill("SIGTERM");
  });
});

test("a mesh only the control plane has, holding nothing meshops made, is not told as applied, not counted by the commit status, and is not head-applied", () => {
  const status = testStatus();
  const events = new DaemonEvents();
  const sent: string[] = [];
  events.on((event) => status.record(event));
  events.on(notifier({ sinks: [{ kind: "webhook", url: "http://hook" }, { kind: "github", apiUrl: "http://gh", repository: "acme/mesh-config", context: "meshops" }], send: (sink, request) => sent.push(`${sink.kind} ${request.body}`), views: () => meshViews(status) }));
  const head = { commit: SHA, message: "tune timeouts", author: "a", date: "" };
  const unmanaged = { kind: "unmanaged", resource: "MeshTimeout/legacy/hand-made", type: "MeshTimeout", mesh: "legacy", name: "hand-made", diff: "" } as const;
  events.emit({ type: "run.started", run: 1, reasons: ["startup"] });
  events.emit({ type: "revision.validated", commit: head, valid: true, diagnostics: [], kept: SHA });
  // As the reconciler says it: every mesh of the plan or the drift is synced and compared, `legacy` by its unmanaged item.
  events.emit({ type: "meshes.synced", commit: head, meshes: ["legacy", "shop"], results: new Map(), inventory: () => new Map(), driftMode: () => "report", stopped: false });
  events.emit({ type: "drift.checked", revision: SHA, meshes: ["legacy", "shop"], report: driftReportOf([unmanaged]), desiredCounts: new Map([["shop", 2]]), driftMode: () => "report" });
  const summary = { applied: 0, failed: 0, skipped: 0, drift: 0 };
  events.emit({ type: "run.finished", run: 1, revision: SHA, reasons: ["startup"], triggers: 1, durationMs: 5, end: { kind: "sync", result: "unchanged", revision: SHA, commit: head, summary } });
  assert.equal(status.toJSON().meshes.find((m) => m.name === "legacy")?.state, "in-sync");
  // Only shop holds the commit: legacy is neither in the message nor counted by the commit status.
  assert.equal(sent.length, 2);
  assert.match(sent[0] ?? "", /"text":"meshops: 0123456789ab \(tune timeouts\)\\napplied: shop"/);
  assert.match(sent[1] ?? "", /"state":"success","context":"meshops","description":"applied in shop"/);
  assert.deepEqual(status.meshConditions().map((m) => [m.mesh, m.headApplied]), [["legacy", false], ["shop", true]]);
  assert.deepEqual(status.toJSON().meshes.map((m) => [m.name, m.headApplied]), [["legacy", false], ["shop", true]]);
});

test("a mesh whose every resource left the repository is told (removed, with what becomes of what meshops owns there), and kept in the status", () => {
  const { status, events, sent } = webhookNotified();
  const head = { commit: SHA, message: "drop shop", author: "a", date: "" };
  events.emit({ type: "run.started", run: 1, reasons: ["commit"] });
  events.emit({ type: "revision.validated", commit: head, valid: true, diagnostics: [], kept: SHA });
  events.emit({ type: "meshes.removed", revision: SHA, meshes: ["shop"], prune: false, readOnly: false, suspended: new Map() });
  const summary = { applied: 0, failed: 0, skipped: 0, drift: 0 };
  events.emit({ type: "run.finished", run: 1, revision: SHA, reasons: ["commit"], triggers: 1, durationMs: 5, end: { kind: "sync", result: "unchanged", revision: SHA, commit: head, summary } });
  assert.equal(sent.length, 1);
  const body = JSON.parse(sent[0] ?? "{}") as { text?: string; notices?: { mesh: string; kind: string; reason: string }[] };
  assert.equal(body.text, `meshops: ${SHA.slice(0, 12)} (drop shop)\nremoved: shop (no resource left in the repository: what meshops owns there stays on the control plane (prune is off))`);
  assert.deepEqual(body.notices?.map((n) => [n.mesh, n.kind]), [["shop", "removed"]]);
  const removed = status.toJSON().removedMeshes;
  assert.deepEqual(removed.map((r) => [r.mesh, r.revision, r.prune]), [["shop", SHA, false]]);
  assert.ok(!Number.isNaN(Date.parse(removed[0]?.at ?? "")), "with the time it was found");
  // Told once: the next run has nothing new to say of it.
  events.emit({ type: "run.started", run: 2, reasons: ["drift-timer"] });
  events.emit({ type: "run.finished", run: 2, revision: SHA, reasons: ["drift-timer"], triggers: 1, durationMs: 5, end: { kind: "drift", result: "unchanged", revision: SHA, commit: head, summary } });
  assert.equal(sent.length, 1);
});

/** A status and a notifier subscribed to the same events, as the daemon subscribes them; `sent`: the webhook's bodies. */
function webhookNotified(): { status: ReturnType<typeof testStatus>; events: DaemonEvents; sent: string[] } {
  const status = testStatus();
  const events = new DaemonEvents();
  const sent: string[] = [];
  events.on((event) => status.record(event));
  events.on(notifier({ sinks: [{ kind: "webhook", url: "http://hook" }], send: (_sink, request) => sent.push(request.body), views: () => meshViews(status) }));
  return { status, events, sent };
}
