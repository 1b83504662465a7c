/**
 * The control plane behind a proxy and with a rotating token: HTTP(S)_PROXY and NO_PROXY as curl reads them, a forward
 * proxy on 127.0.0.1 that records what went through it, the embedded control plane over HTTP, and a token file that
 * is rewritten while the backend runs.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, renameSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { KumaHttpBackend } from "../src/backend/kumaHttp.js";
import { TokenFile } from "../src/backend/tokenFile.js";
import { openStore } from "../src/backend/store.js";
import { startControlPlaneServer } from "../src/cp/server.js";
import { proxyFor } from "../src/util/proxy.js";
import { runCli } from "./helpers/cli.js";
import { withControlPlaneServer } from "./helpers/controlPlane.js";
import { committedRepo } from "./helpers/git.js";
import { startProxy } from "./helpers/proxy.js";
import { makeCertificates } from "./helpers/tls.js";

const work = mkdtempSync(path.join(tmpdir(), "meshops-network-"));
const cleanups: (() => void)[] = [];
after(() => {
  for (const cleanup of cleanups) cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe("proxyFor", () => {
  const at = (url: string, env: Record<string, string>) => proxyFor(new URL(url), env)?.href;

  test("the scheme's variable, lower case first, host:port read as an http proxy", () => {
    assert.equal(at("http://cp:5681", { HTTP_PROXY: "http://upper:1", http_proxy: "http://lower:2" }), "http://lower:2/");
    assert.equal(at("https://cp:5682", { HTTPS_PROXY: "proxy.corp:3128" }), "http://proxy.corp:3128/");
    assert.equal(at("https://cp:5682", { HTTP_PROXY: "http://only-http:1" }), undefined, "an https URL does not take HTTP_PROXY");
    assert.equal(at("http://cp:5681", { HTTP_PROXY: "  " }), undefined);
  });

  test("NO_PROXY: names, domain suffixes, ports, IPv6, and *", () => {
    const env = (noProxy: string) => ({ HTTPS_PROXY: "http://p:1", NO_PROXY: noProxy });
    assert.equal(at("https://cp.corp.example:5682", env("corp.example")), undefined, "a bare domain covers its subdomains");
    assert.equal(at("https://cp.corp.example:5682", env(".corp.example")), undefined);
    assert.equal(at("https://cp.corp.example:5682", env("*.corp.example")), undefined);
    assert.equal(at("https://notcorp.example:5682", env("corp.example")), "http://p:1/", "a suffix matches at a dot only");
    assert.equal(at("https://cp:5682", env("cp:443")), "http://p:1/", "another port is proxied");
    assert.equal(at("https://cp:5682", env("cp:5682")), undefined);
    assert.equal(at("https://cp/", env("cp:443")), undefined, "the scheme's default port");
    assert.equal(at("https://[::1]:5682", env("[::1]")), undefined);
    assert.equal(at("https://[::1]:5682", env("::1")), undefined, "an unbracketed IPv6 address");
    assert.equal(at("https://[::1]:5682", env("[::1]:443")), "http://p:1/");
    assert.equal(at("https://10.0.0.1:5682", env("localhost, 10.0.0.1")), undefined);
    assert.equal(at("https://anything:5682", env("*")), undefined);
  });

  test("a proxy variable that is not a URL names the variable, without its credentials", () => {
    assert.throws(() => proxyFor(new URL("https://cp"), { HTTPS_PROXY: "http://user:s3cret@[bad" }), (e: Error) => /^HTTPS_PROXY is not a URL/.test(e.message) && !e.message.includes("s3cret"));
  });
});

describe("the control plane through a proxy", () => {
  test("http: each request goes to the proxy with its absolute URL, the token with it", async () => {
    await withControlPlaneServer({}, async (cpUrl) => {
      const proxy = await startProxy();
      try {
        const backend = new KumaHttpBackend({ baseUrl: cpUrl, token: "t0ken-via-proxy", proxy: new URL(proxy.url) });
        const info = await backend.info();
        assert.equal(info.product, "Kuma");
        assert.deepEqual((await backend.list("Mesh")).map((m) => m.name), ["default"]);
        await backend.close();
        assert.deepEqual(proxy.seen.map((s) => [s.method, s.target]), [
          ["GET", `${cpUrl}/`],
          // Where the control plane runs (Universal or Kubernetes): its types say, asked once.
          ["GET", `${cpUrl}/_resources`],
          ["GET", `${cpUrl}/meshes?size=1000`],
        ]);
        assert.equal(proxy.seen[0]?.authorization, "Bearer t0ken-via-proxy");
      } finally {
        await proxy.close();
      }
    });
  });

  test("https: a CONNECT tunnel (the proxy sees the host only), the --ca-file trusted for the target", async () => {
    const { caFile, key, cert } = makeCertificates(mkdtempSync(path.join(work, "tls-")));
    const seenAuth: string[] = [];
    const target = https.createServer({ key, cert }, (req, res) => {
      seenAuth.push(req.headers.authorization ?? "");
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ product: "Kuma", version: "2.14.3", hostname: "tunnelled" }));
    });
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    const port = (target.address() as AddressInfo).port;
    const proxy = await startProxy({ credentials: "proxyuser:proxy-pa55" });
    try {
      const backend = new KumaHttpBackend({ baseUrl: `https://127.0.0.1:${port}`, caFile, token: "t0ken-in-tunnel", proxy: new URL(`http://proxyuser:proxy-pa55@${proxy.url.slice("http://".length)}`) });
      assert.equal((await backend.info()).hostname, "tunnelled");
      await backend.close();
      assert.deepEqual(proxy.seen.map((s) => [s.method, s.target]), [["CONNECT", `127.0.0.1:${port}`]]);
      assert.equal(proxy.seen[0]?.proxyAuthorization, `Basic ${Buffer.from("proxyuser:proxy-pa55").toString("base64")}`);
      // GET / and GET /_resources (where the control plane runs), both in the one tunnel.
      assert.deepEqual(seenAuth, ["Bearer t0ken-in-tunnel", "Bearer t0ken-in-tunnel"], "the token reaches the control plane, inside TLS");
    } finally {
      await proxy.close();
      await new Promise<void>((resolve) => target.close(() => resolve()));
    }
  });

  test("a proxy that wants credentials: 407 is said to be the proxy's, with no credentials in the message", async () => {
    await withControlPlaneServer({}, async (cpUrl) => {
      const proxy = await startProxy({ credentials: "u:right" });
      try {
        const backend = new KumaHttpBackend({ baseUrl: cpUrl, retries: 0, proxy: new URL(`http://u:wrong-pa55@${proxy.url.slice("http://".length)}`) });
        const error = await backend.info().then(() => undefined, (e: Error) => e);
        await backend.close();
        assert.match(error?.message ?? "", /^the control plane's version: GET \/ refused \(407\) by the proxy http:\/\/127\.0\.0\.1:\d+: give its credentials/);
        assert.doesNotMatch(error?.message ?? "", /wrong-pa55/);
      } finally {
        await proxy.close();
      }
    });
  });

  test("meshops plan --cp-url honours HTTP_PROXY and NO_PROXY from the environment", async () => {
    const repo = committedRepo({ "m.yaml": "type: Mesh\nname: proxied\n" }, cleanups);
    await withControlPlaneServer({}, async (cpUrl) => {
      const proxy = await startProxy();
      try {
        const proxied = await runCli(["plan", "--repo", repo, "--cp-url", cpUrl, "--format", "json"], repo, { HTTP_PROXY: proxy.url });
        assert.equal(proxied.code, 2, proxied.stderr); // changes planned
        assert.ok(proxy.seen.length >= 2, "the plan's requests went through the proxy");
        assert.ok(proxy.seen.every((s) => s.target.startsWith(`${cpUrl}/`)));

        const before = proxy.seen.length;
        const direct = await runCli(["plan", "--repo", repo, "--cp-url", cpUrl, "--format", "json"], repo, { HTTP_PROXY: proxy.url, NO_PROXY: "127.0.0.1" });
        assert.equal(direct.code, 2, direct.stderr);
        assert.equal(proxy.seen.length, before, "NO_PROXY: nothing through the proxy");
      } finally {
        await proxy.close();
      }
    });
  });
});

describe("a token file read again when it changes", () => {
  test("a rotated token is sent from the next request on; a 401 looks at the file at once", async () => {
    const stateDir = mkdtempSync(path.join(work, "cp-"));
    const store = await openStore({ stateDir });
    let valid = "first-t0ken";
    const server = await startControlPlaneServer({
      store,
      port: 0,
      faults: (req) => (req.url !== "/" && req.headers.authorization !== `Bearer ${valid}` ? 401 : undefined),
    });
    const file = path.join(work, "token");
    writeFileSync(file, `${valid}\n`);
    let changes = 0;
    const tokens = new TokenFile(file, { checkEveryMs: 3_600_000, onChange: () => changes++ });
    const backend = new KumaHttpBackend({ baseUrl: server.url, token: tokens, retries: 0 });
    try {
      assert.deepEqual((await backend.list("Mesh")).map((m) => m.name), ["default"]);

      // Rotation as a Secret volume does it: a new file renamed over the old one. The hour between looks is not waited
      // for: the 401 makes the backend look again.
      valid = "second-t0ken";
      writeFileSync(`${file}.new`, valid);
      renameSync(`${file}.new`, file);
      assert.deepEqual((await backend.list("Mesh")).map((m) => m.name), ["default"]);
      assert.equal(changes, 1);

      // A token the server refuses is still refused, once the file holds nothing new: no loop, and no token in the message.
      valid = "third-t0ken";
      const error = await backend.list("Mesh").then(() => undefined, (e: Error) => e);
      assert.match(error?.message ?? "", /401.*refused the token/);
      assert.doesNotMatch(error?.message ?? "", /t0ken/);
    } finally {
      await backend.close();
      await server.close();
      await store.close();
    }
  });

  test("looked at no more than once per interval; a file gone or emptied keeps the last good token, said once", () => {
    const file = path.join(work, "token-interval");
    writeFileSync(file, "one");
    let now = 0;
    const problems: string[] = [];
    const tokens = new TokenFile(file, { checkEveryMs: 1_000, now: () => now, onProblem: (m) => problems.push(m) });
    writeFileSync(file, "two-longer");
    now = 999;
    assert.equal(tokens.current(), "one", "not looked at within the interval");
    now = 1_000;
    assert.equal(tokens.current(), "two-longer");
    writeFileSync(file, "   \n");
    now = 2_000;
    assert.equal(tokens.current(), "two-longer");
    now = 3_000;
    assert.equal(tokens.current(), "two-longer");
    rmSync(file);
    now = 4_000;
    assert.equal(tokens.current(), "two-longer");
    assert.deepEqual(problems, [`the token file ${file} is empty: keeping the token read before`, `cannot read the token file ${file}: keeping the token read before`]);
    assert.throws(() => new TokenFile(file), /cannot read the token file .*ENOENT/);
  });

  test("an empty --token-file is refused at start, naming the file", async () => {
    const repo = committedRepo({ "m.yaml": "type: Mesh\nname: t\n" }, cleanups);
    const empty = path.join(work, "empty-token");
    writeFileSync(empty, "\n");
    const run = await runCli(["plan", "--repo", repo, "--cp-url", "http://127.0.0.1:1", "--token-file", empty], repo);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `meshops: --token-file: the token file ${empty} is empty\n`);
  });
});
