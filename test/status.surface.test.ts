/**
 * The status surface at 1,000 meshes (issue 15 item 8): `/api/status` filtered and paged, and server-sent events that
 * carry only the meshes that changed. A real status server on 127.0.0.1, its DaemonStatus fed the reconciler's events.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { StatusServer } from "../src/daemon/server.js";
import type { DaemonStatus } from "../src/daemon/status.js";
import { parseStatusQuery } from "../src/daemon/statusQuery.js";
import type { CommitInfo, StatusDelta, StatusJson } from "../src/daemon/statusTypes.js";
import { commitOf, driftIn, serveStatus, syncMeshes } from "./helpers/statusServer.js";

const servers: StatusServer[] = [];
after(async () => Promise.all(servers.map((s) => s.close())));

const MESHES = Array.from({ length: 1000 }, (_, i) => `tenant-${String(i).padStart(4, "0")}`);
const commit = commitOf;

async function serve(): Promise<{ status: DaemonStatus; url: string }> {
  const { status, server } = await serveStatus();
  servers.push(server);
  return { status, url: server.url };
}

const sync = (status: DaemonStatus, run: number, head: CommitInfo, failing: readonly string[] = []) => syncMeshes(status, run, head, MESHES, failing);

const getJson = async (url: string): Promise<{ status: number; body: StatusJson & { error?: string } }> => {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as StatusJson & { error?: string } };
};

test("/api/status filters by state, name and search, orders problems first, pages, and counts every state", async () => {
  const { status, url } = await serve();
  sync(status, 1, commit("a1"), ["tenant-0500", "tenant-0007"]);

  const whole = await getJson(`${url}/api/status`);
  assert.equal(whole.body.meshes.length, 1000);
  assert.equal(whole.body.page, undefined, "no query, no page: the status as before");

  const failed = await getJson(`${url}/api/status?state=failed`);
  assert.deepEqual(failed.body.meshes.map((m) => [m.name, m.state]), [["tenant-0007", "failed"], ["tenant-0500", "failed"]]);
  assert.deepEqual(failed.body.page, { total: 1000, matched: 2, offset: 0, limit: null, counts: { unknown: 0, invalid: 0, failed: 2, blocked: 0, "awaiting-approval": 0, suspended: 0, applying: 0, behind: 0, drifted: 0, "in-sync": 998 } });
  assert.match(failed.body.meshes[0]?.reason ?? "", /PUT refused \(400\): bad timeout$/);

  const first = await getJson(`${url}/api/status?order=problems&limit=3`);
  assert.deepEqual(first.body.meshes.map((m) => m.name), ["tenant-0007", "tenant-0500", "tenant-0000"], "problems first, then by name");
  const second = await getJson(`${url}/api/status?order=problems&limit=3&offset=3`);
  assert.deepEqual(second.body.meshes.map((m) => m.name), ["tenant-0001", "tenant-0002", "tenant-0003"]);

  const search = await getJson(`${url}/api/status?q=TENANT-09&state=in-sync,failed&limit=5`);
  assert.equal(search.body.page?.matched, 100);
  assert.deepEqual(search.body.meshes.map((m) => m.name), ["tenant-0900", "tenant-0901", "tenant-0902", "tenant-0903", "tenant-0904"]);
  const byReason = await getJson(`${url}/api/status?q=bad%20timeout`);
  assert.deepEqual(byReason.body.meshes.map((m) => m.name), ["tenant-0007", "tenant-0500"], "the search reads the reason too");
  const named = await getJson(`${url}/api/status?mesh=tenant-0003&mesh=tenant-0001,nope`);
  assert.deepEqual(named.body.meshes.map((m) => m.name), ["tenant-0001", "tenant-0003"]);
  const problems = await getJson(`${url}/api/status?state=problems`);
  assert.equal(problems.body.page?.matched, 2);

  const small = JSON.stringify((await getJson(`${url}/api/status?state=problems`)).body).length;
  assert.ok(small * 50 < JSON.stringify(whole.body).length, `a filtered status (${small} bytes) is a small part of the whole`);

  for (const [query, error] of [
    ["state=broken", /^unknown state "broken": use problems or unknown, invalid, /],
    ["limit=0", /^limit must be a whole number from 1 to 1000$/],
    ["offset=-1", /^offset must be/],
    ["order=size", /^order must be name or problems/],
    ["mehs=a", /^unknown parameter "mehs"/],
  ] as const) {
    const answer = await getJson(`${url}/api/status?${query}`);
    assert.equal(answer.status, 400, query);
    assert.match(answer.body.error ?? "", error, query);
  }
});

test("parseStatusQuery: no parameter is the whole status", () => {
  assert.equal(parseStatusQuery(new URLSearchParams("")), undefined);
  assert.deepEqual(parseStatusQuery(new URLSearchParams("state=problems")), { states: new Set(["unknown", "invalid", "failed", "blocked", "awaiting-approval", "drifted"]), order: "name", offset: 0 });
});

/** Reads server-sent events from `url` as they come; `next(name)` resolves with the next event of that name. */
async function events(url: string): Promise<{ next: <T>(name: string) => Promise<{ data: T; bytes: number }>; close: () => void }> {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const queue: { name: string; data: string }[] = [];
  const next = async <T>(name: string): Promise<{ data: T; bytes: number }> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const index = queue.findIndex((e) => e.name === name);
      if (index >= 0) {
        const [found] = queue.splice(0, index + 1).slice(-1);
        return { data: JSON.parse(found!.data) as T, bytes: found!.data.length };
      }
      if (Date.now() > deadline) throw new Error(`no ${name} event within 10 s`);
      const chunk = await reader.read();
      if (chunk.done) throw new Error("the stream ended");
      buffer += decoder.decode(chunk.value, { stream: true });
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
        const data = /^data: (.*)$/m.exec(block)?.[1] ?? "";
        queue.push({ name, data });
      }
    }
  };
  return { next, close: () => controller.abort() };
}

test("server-sent events: the whole status once, then only the meshes that changed", async (t) => {
  const { status, url } = await serve();
  sync(status, 1, commit("b1"));
  const stream = await events(`${url}/api/events`);
  try {
    const first = await stream.next<StatusJson>("status");
    assert.equal(first.data.meshes.length, 1000);

    // One mesh's drift found: one mesh in the delta.
    driftIn(status, commit("b1"), "tenant-0042");
    const delta = await stream.next<StatusDelta>("delta");
    assert.deepEqual(delta.data.meshes.map((m) => [m.name, m.state]), [["tenant-0042", "drifted"]]);
    assert.deepEqual(delta.data.removed, []);
    assert.ok(delta.bytes * 100 < first.bytes, `the delta (${delta.bytes} bytes) is a sliver of the status (${first.bytes} bytes)`);
    t.diagnostic(`1,000 meshes: the first event ${first.bytes} bytes, a one-mesh delta ${delta.bytes} bytes`);
    assert.equal(delta.data.repository.branch, "main", "with the rest of the status");

    // A new head: every mesh is behind it until applied, so every mesh changes.
    sync(status, 2, commit("b2"), ["tenant-0001"]);
    const after = await stream.next<StatusDelta>("delta").then(async (d) => (d.data.meshes.length === 1000 ? d : stream.next<StatusDelta>("delta")));
    const states = new Map(after.data.meshes.map((m) => [m.name, m.state]));
    assert.equal(states.get("tenant-0001"), "failed");
    assert.equal(states.get("tenant-0002"), "in-sync");
  } finally {
    stream.close();
  }
});
