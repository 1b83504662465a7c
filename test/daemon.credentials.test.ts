/**
 * Private remotes (issue 15 item 7): `meshops watch` clones and fetches over HTTPS-style smart HTTP with a token from a
 * file (git's real client against `git http-backend` behind a Basic-auth check on 127.0.0.1), and over SSH with a key
 * and known_hosts (an `ssh` on PATH that records how git called it and serves the repository locally: no sshd here).
 * The token never reaches a URL, the clone's config, the status or the log, and a rotated token is used at once.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { runCli } from "./helpers/cli.js";
import { exitWithin, killAll, startWatch, waitFor, type DaemonProcess } from "./helpers/daemon.js";
import { commitFiles, git } from "./helpers/git.js";
import { meshTimeoutYaml } from "./helpers/policies.js";

const work = mkdtempSync(path.join(tmpdir(), "meshops-credentials-"));
const origin = path.join(work, "repos", "origin.git");
const clone = path.join(work, "clone");
let token = "tok-first-5e1f";
const authorizations: string[] = [];
let server: http.Server;
let port = 0;

const meshFile = (idleTimeout: string) => `type: Mesh\nname: private\n---\n${meshTimeoutYaml("t", "private", idleTimeout)}`;

function push(idleTimeout: string): string {
  const commit = commitFiles(clone, { "private.yaml": meshFile(idleTimeout) }, `idle timeout ${idleTimeout}`);
  git(clone, "push", "-q", "origin", "main");
  return commit;
}

/** Smart HTTP: Basic auth checked here, then `git http-backend` as a CGI program answers. */
function gitHttpServer(root: string): http.Server {
  return http.createServer((req, res) => {
    authorizations.push(req.headers.authorization ?? "");
    if (req.headers.authorization !== `Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="private"' }).end();
      return;
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    const child = spawn("git", ["http-backend"], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: "1",
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? "GET",
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        HTTP_CONTENT_ENCODING: req.headers["content-encoding"] ?? "",
        HTTP_GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
        REMOTE_USER: "x-access-token",
        REMOTE_ADDR: "127.0.0.1",
      },
    });
    req.pipe(child.stdin);
    const chunks: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.on("close", () => {
      const out = Buffer.concat(chunks);
      const end = out.indexOf("\r\n\r\n");
      const headers = out.subarray(0, end).toString("latin1").split("\r\n");
      const statusLine = headers.find((h) => /^status:/i.test(h));
      res.statusCode = statusLine ? Number(statusLine.split(" ")[1]) : 200;
      for (const header of headers) {
        const colon = header.indexOf(":");
        if (colon > 0 && !/^status$/i.test(header.slice(0, colon))) res.setHeader(header.slice(0, colon), header.slice(colon + 1).trim());
      }
      res.end(out.subarray(end + 4));
    });
  });
}

before(async () => {
  mkdirSync(path.dirname(origin), { recursive: true });
  git(work, "init", "-q", "--bare", "-b", "main", origin);
  git(work, "clone", "-q", origin, clone);
  git(clone, "checkout", "-q", "-b", "main");
  server = gitHttpServer(path.dirname(origin));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  killAll();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(work, { recursive: true, force: true });
});

const appliedCommit = async (daemon: DaemonProcess) => (await daemon.status()).revision.applied?.commit;

test("HTTPS: the token from --git-token-file, never in a URL, the clone's config, the status or the log; a rotated token used at once", async () => {
  const first = push("1m");
  const tokenFile = path.join(work, "git-token");
  writeFileSync(tokenFile, `${token}\n`);
  const cacheDir = path.join(work, "cache-https");
  const url = `http://127.0.0.1:${port}/origin.git`;
  const daemon = await startWatch(
    ["--repo", url, "--branch", "main", "--interval", "300ms", "--git-token-file", tokenFile, "--cache-dir", cacheDir, "--state-dir", path.join(work, "cp-https"), "--drift-interval", "1h"],
    { cwd: work },
  );
  await waitFor("the private clone to be applied", async () => ((await appliedCommit(daemon)) === first ? true : undefined), 20_000);
  assert.ok(authorizations.includes(`Basic ${Buffer.from(`x-access-token:tok-first-5e1f`).toString("base64")}`), "git sent the token as the password");

  token = "tok-rotated-9a7c";
  writeFileSync(tokenFile, token);
  const second = push("2m");
  await waitFor("the push fetched with the rotated token", async () => ((await appliedCommit(daemon)) === second ? true : undefined), 15_000);

  const status = await daemon.status();
  assert.equal(status.repository.url, url);
  const clones = readdirSync(cacheDir).filter((d) => !d.endsWith(".sh"));
  const config = readFileSync(path.join(cacheDir, clones[0] ?? "", ".git", "config"), "utf8");
  for (const secret of ["tok-first-5e1f", "tok-rotated-9a7c"]) {
    assert.ok(!config.includes(secret), "the clone's config holds no token");
    assert.ok(!JSON.stringify(status).includes(secret), "the status holds no token");
    assert.ok(!daemon.lines.join("\n").includes(secret) && !daemon.stderr().includes(secret), "the log holds no token");
  }
  daemon.child.kill("SIGTERM");
  assert.equal((await exitWithin(daemon, 10_000)).code, 0);
});

test("HTTPS: a refused token fails the fetch at once, says so, and keeps nothing waiting on a prompt", async () => {
  const tokenFile = path.join(work, "wrong-token");
  writeFileSync(tokenFile, "not-the-token");
  const daemon = await startWatch(
    ["--repo", `http://127.0.0.1:${port}/origin.git`, "--branch", "main", "--interval", "1h", "--git-token-file", tokenFile, "--cache-dir", path.join(work, "cache-refused"), "--state-dir", path.join(work, "cp-refused"), "--drift-interval", "1h"],
    { cwd: work },
  );
  const failed = await daemon.untilLog("the run failing on the clone", (e) => /authentication failed|401|could not read/i.test(String(e.err ?? e.msg ?? "")), 20_000);
  assert.ok(!JSON.stringify(failed).includes("not-the-token"));
  assert.equal((await daemon.status()).revision.applied, null);
  daemon.child.kill("SIGTERM");
  await exitWithin(daemon, 10_000);
});

test("SSH: git runs ssh with the key, the known_hosts file, strict host key checking and no prompt", async () => {
  const head = git(clone, "rev-parse", "HEAD");
  const bin = path.join(work, "bin");
  mkdirSync(bin, { recursive: true });
  const sshLog = path.join(work, "ssh-args");
  // Stands in for the server end of SSH: records the arguments, then runs the command git asked for, here.
  writeFileSync(path.join(bin, "ssh"), `#!/bin/sh\nprintf '%s\\n' "$@" >> "$FAKE_SSH_LOG"\nfor last; do :; done\nexec sh -c "$last"\n`);
  chmodSync(path.join(bin, "ssh"), 0o755);
  const key = path.join(work, "deploy key");
  writeFileSync(key, "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a real key\n-----END OPENSSH PRIVATE KEY-----\n", { mode: 0o600 });
  const knownHosts = path.join(work, "known_hosts");
  writeFileSync(knownHosts, "git.example.invalid ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHRlc3Qga2V5IG9ubHkgdGVzdCBrZXkgb25seSB0ZXN0\n");
  const daemon = await startWatch(
    ["--repo", `ssh://git@git.example.invalid${origin}`, "--branch", "main", "--interval", "1h", "--git-ssh-key-file", key, "--git-known-hosts-file", knownHosts, "--cache-dir", path.join(work, "cache-ssh"), "--state-dir", path.join(work, "cp-ssh"), "--drift-interval", "1h"],
    { cwd: work, env: { PATH: `${bin}:${process.env.PATH}`, FAKE_SSH_LOG: sshLog } },
  );
  await waitFor("the clone over SSH to be applied", async () => ((await appliedCommit(daemon)) === head ? true : undefined), 20_000);
  const args = readFileSync(sshLog, "utf8").split("\n");
  for (const expected of ["-i", key, "IdentitiesOnly=yes", `UserKnownHostsFile=${knownHosts}`, "StrictHostKeyChecking=yes", "BatchMode=yes", "git@git.example.invalid"]) {
    assert.ok(args.includes(expected), `ssh was given ${expected}: ${args.join(" ")}`);
  }
  daemon.child.kill("SIGTERM");
  assert.equal((await exitWithin(daemon, 10_000)).code, 0);
});

test("the --git-* flags are refused for a local repository, and a key file that cannot be read is named", async () => {
  const local = await runCli(["watch", "--repo", clone, "--git-token-file", path.join(work, "git-token")], work);
  assert.equal(local.code, 1);
  assert.match(local.stderr, /--git-token-file is for a remote --repo \(a URL\)/);
  const missing = await runCli(["watch", "--repo", `ssh://git@git.example.invalid${origin}`, "--git-ssh-key-file", path.join(work, "no-such-key")], work);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^meshops: cannot read --git-ssh-key-file .*no-such-key/);
});
