/**
 * The set-up every end-to-end test of `meshops watch` shares: a fresh Git repository for the daemon to follow, a
 * scratch folder (the daemon's cwd, token files, the control plane's state), and the embedded control plane served
 * over HTTP in this process, so a test can edit it out of band, take it away and bring it back. `daemonTestBed`
 * registers the `after` that kills every daemon and removes everything; the file's `before` calls `open()` first (the
 * order of two top-level `before` hooks is not one to rely on).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after } from "node:test";
import { openStore, type ControlPlaneStore } from "../../src/backend/store.js";
import { startControlPlaneServer, type ControlPlaneServer, type ControlPlaneServerOptions } from "../../src/cp/server.js";
import { DaemonStatus } from "../../src/daemon/status.js";
import type { StatusJson } from "../../src/daemon/statusTypes.js";
import { killAll, waitFor, type DaemonProcess } from "./daemon.js";
import { tempRepo } from "./git.js";

export interface DaemonTestBed {
  /** The repository the daemon follows (branch main). */
  readonly repo: { readonly dir: string };
  /** The scratch folder, removed after the tests. */
  readonly work: string;
  /** Opens the store and serves it: first thing in the file's `before`. */
  open(): Promise<void>;
  /** The control plane's store (from `open` to `after`). */
  readonly store: ControlPlaneStore;
  /** The control plane's HTTP server (a new one after `restartServer`). */
  readonly server: ControlPlaneServer;
  /** Writes `value` and a newline to `work/name` (a token or secret file) and returns its path. */
  secretFile(name: string, value: string): string;
  /** A request to the control plane, with its token when it has one. */
  cp(apiPath: string, init?: Omit<RequestInit, "headers">): Promise<Response>;
  /** Serves the store again on the port the first server had (after `server.close()`: the control plane coming back). */
  restartServer(): Promise<void>;
  /** Stops the control plane and serves its state as Kuma `version`, on the same port: an upgrade. */
  restartAs(version: string): Promise<void>;
}

/**
 * Call at the top of a test file. `token`: the control plane asks for it on every request. `faults`: the server's
 * fault-injection hook (cp/server.ts), asked of every request. `version`: the Kuma version the control plane runs
 * (the kinds it serves, the fields it has, what `GET /` says); the store's default without it.
 */
export function daemonTestBed(prefix: string, options: { token?: string; faults?: ControlPlaneServerOptions["faults"]; version?: string } = {}): DaemonTestBed {
  const repo = tempRepo(`${prefix}-`);
  const work = mkdtempSync(path.join(tmpdir(), `${prefix}-work-`));
  let store: ControlPlaneStore | undefined;
  let server: ControlPlaneServer | undefined;
  let port = 0;
  const opened = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the test bed's ${what} is not open: call open() in before()`);
    return value;
  };
  const serve = async () => {
    server = await startControlPlaneServer({ store: opened(store, "store"), port, ...(options.token ? { token: options.token } : {}), ...(options.faults ? { faults: options.faults } : {}) });
    port = Number(new URL(server.url).port);
  };
  const openAndServe = async (version: string | undefined) => {
    store = await openStore({ stateDir: path.join(work, "cp"), skipMeshCreation: true, ...(version ? { version } : {}) });
    await serve();
  };

  after(async () => {
    killAll();
    await server?.close().catch(() => undefined);
    await store?.close();
    repo.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  return {
    repo,
    work,
    async open() {
      await openAndServe(options.version);
    },
    get store() {
      return opened(store, "store");
    },
    get server() {
      return opened(server, "server");
    },
    secretFile(name, value) {
      const file = path.join(work, name);
      writeFileSync(file, value + "\n");
      return file;
    },
    cp(apiPath, init = {}) {
      const headers = { "content-type": "application/json", ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
      return fetch(`${opened(server, "server").url}${apiPath}`, { ...init, headers });
    },
    restartServer: serve,
    async restartAs(version) {
      await server?.close();
      await store?.close();
      await openAndServe(version);
    },
  };
}

/** The idle timeout the control plane holds for the MeshTimeout at `apiPath` (`/meshes/{mesh}/meshtimeouts/{name}`). */
export async function idleTimeoutOnCp(bed: Pick<DaemonTestBed, "cp">, apiPath: string): Promise<string | undefined> {
  return ((await (await bed.cp(apiPath)).json()) as { spec: { to: { default: { idleTimeout: string } }[] } }).spec.to[0]?.default.idleTimeout;
}

/** Waits until `daemon`'s status satisfies `check` (which returns a value when it does). */
export function untilStatus<T>(daemon: DaemonProcess, what: string, check: (s: StatusJson) => T | undefined, timeoutMs = 15_000): Promise<T> {
  return waitFor(what, async () => check(await daemon.status()), timeoutMs);
}

/** Waits until `commit` is the daemon's applied revision (every mesh has it); resolves with that status. */
export function untilApplied(daemon: DaemonProcess, commit: string, timeoutMs = 15_000): Promise<StatusJson> {
  return untilStatus(daemon, `${commit.slice(0, 12)} to be applied`, (s) => (s.revision.applied?.commit === commit ? s : undefined), timeoutMs);
}

/** The status an in-process reconciler reports to: a local repository's main branch, the embedded control plane. */
export function inProcessStatus(repoDir: string): DaemonStatus {
  return new DaemonStatus({
    repository: { url: repoDir, kind: "local", branch: "main", remote: null, path: "" },
    controlPlane: { url: "embedded", embedded: true },
    driftIntervalMs: 3_600_000,
    pollIntervalMs: null,
    webhook: false,
    reconcileEndpoint: false,
  });
}

/**
 * A faults hook for daemonTestBed: once armed, the next PUT of `apiPath` is answered 502 without being applied (a
 * gateway's answer: the write's outcome is unknown). `armed` turns false when it has answered.
 */
export function failingNextPut(apiPath: string): { readonly faults: NonNullable<ControlPlaneServerOptions["faults"]>; arm(): void; readonly armed: boolean } {
  let armed = false;
  return {
    faults: (req) => {
      if (req.method !== "PUT" || req.url !== apiPath || !armed) return undefined;
      armed = false;
      return 502;
    },
    arm: () => (armed = true),
    get armed() {
      return armed;
    },
  };
}

/** An older write landing late: the MeshTimeout at `apiPath` written back with idleTimeout `from` set to `to` (`2m0s`, `1m0s`). */
export async function landOlderIdleTimeout(bed: Pick<DaemonTestBed, "cp">, apiPath: string, from: string, to: string): Promise<void> {
  const { creationTime: _c, modificationTime: _m, kri: _k, ...live } = (await (await bed.cp(apiPath)).json()) as Record<string, unknown>;
  const older = JSON.parse(JSON.stringify(live).replace(`"idleTimeout":"${from}"`, `"idleTimeout":"${to}"`)) as Record<string, unknown>;
  const put = await bed.cp(apiPath, { method: "PUT", body: JSON.stringify(older) });
  if (!put.ok) throw new Error(`PUT ${apiPath}: ${put.status} ${await put.text()}`);
}
