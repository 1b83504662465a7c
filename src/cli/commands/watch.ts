import { constants } from "node:fs";
import { access } from "node:fs/promises";
import path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import type { DriftMode } from "../../config/repoConfig.js";
import { startControlPlaneServer, type ControlPlaneServer } from "../../cp/server.js";
import { startDaemon } from "../../daemon/daemon.js";
import { ControlsFileError } from "../../daemon/controlsFile.js";
import { sopsKeyFiles } from "../secrets.js";
import { guardDescriptorExhaustion } from "../../daemon/guard.js";
import { createLogger, type LogFormat, type Logger } from "../../daemon/logger.js";
import { DaemonMetrics } from "../../daemon/metrics.js";
import type { GitCredentials } from "../../daemon/gitCredentials.js";
import { RemoteRepository } from "../../daemon/poller.js";
import { isRemoteRepository, type RevisionSource } from "../../daemon/source.js";
import { DEFAULT_STATUS_SERVER_LIMITS } from "../../daemon/server.js";
import { statusPageRoutes } from "../../daemon/ui.js";
import { LocalRepository } from "../../daemon/watcher.js";
import { addControlPlaneOptions, configuredTarget, openControlPlane, startSettings, type ControlPlaneOptions } from "../controlPlane.js";
import { durationMs, numberFlag, parseListen, UsageError, type CliIo } from "../io.js";
import { openSecretFile } from "../secretFile.js";
import { addPruneLimitOptions, type PruneLimitOptions } from "../pruneLimits.js";
import { notificationSinks, addNotificationOptions, type NotificationOptions } from "../notify.js";
import { addValidationOptions, configuredFolderHook, GIT_OWN_CREDENTIALS, localRepositoryDir, maxFileSizeOption, refuseTokenInUrl, settingsAboveWarning, validateOptionsOf } from "../repository.js";
import { DEFAULT_HEAP_GROWTH_PERCENT, limitHeapGrowth } from "../../daemon/heap.js";

interface WatchOptions extends ControlPlaneOptions, PruneLimitOptions, NotificationOptions {
  repo: string;
  branch?: string;
  path?: string;
  maxFileSize: number;
  exclude: string[];
  allowEmpty?: boolean;
  deprecationsAsErrors?: boolean;
  interval: number;
  heapGrowth: number;
  driftInterval: number;
  driftMode?: DriftMode;
  listen: string;
  webhookSecretFile?: string;
  reconcileTokenFile?: string;
  cacheDir: string;
  controlsFile: string;
  cpListen?: string;
  logLevel: "trace" | "debug" | "info" | "warn" | "error" | "silent";
  logFormat: LogFormat;
  allowedHosts?: string[];
  maxConnections: number;
  sopsAgeKeyFile?: string;
  sopsPgpKeyFile?: string;
  hydrateBranch?: string;
  hydrateRemote?: string;
  gitTokenFile?: string;
  gitUsername: string;
  gitSshKeyFile?: string;
  gitKnownHostsFile?: string;
}

/** PRODUCT.md, `watch`: the daemon. Runs until SIGINT/SIGTERM; 0 on a clean shutdown. */
export function watchCommand(io: CliIo, setExit: (code: number) => void, untilSignal: () => Promise<string>): Command {
  const command = new Command("watch")
    .description("the daemon: reconcile every new commit, check drift on a timer, serve status, until SIGINT/SIGTERM")
    .addOption(
      new Option("--repo <dir|url>", "a Git working copy to watch, or the URL of a remote repository to clone and poll").default(
        ".",
        "the current folder, or with neither --repo nor --path the nearest above it holding meshops.yaml on --branch",
      ),
    )
    .option("--branch <name>", "branch to follow, nothing else is applied (default: the branch checked out at start in a local repository, main for a remote one)")
    .option("--path <subdir>", "sub-folder of the repository holding the configuration (default: the root)")
    .addOption(maxFileSizeOption())
    .addOption(new Option("--interval <duration>", "how often a remote repository is fetched (with ±10% jitter)").default(60_000, "60s").argParser(durationMs))
    .addOption(
      new Option("--drift-interval <duration>", "how often the control plane is compared with the last applied revision").default(300_000, "5m").argParser(durationMs),
    )
    .addOption(new Option("--drift-mode <mode>", "report or correct drift in every mesh, overriding meshops.yaml's drift settings").choices(["report", "correct"]))
    .addOption(
      // MESHOPS_LISTEN: the container image sets 0.0.0.0:5680, so the published port answers whatever command is run.
      new Option("--listen <host:port>", "address of the status server: the status page, /api/status, /metrics (or set MESHOPS_LISTEN)").default(
        io.env.MESHOPS_LISTEN || "127.0.0.1:5680",
      ),
    )
    .addOption(
      new Option("--allowed-hosts <names>", "comma-separated host names (besides IP addresses and localhost) the status may be read through; * for any")
        .argParser((v) => v.split(",").map((n) => n.trim()).filter((n) => n !== "")),
    )
    .addOption(
      new Option("--max-connections <n>", "connections the status server keeps open at most; more are closed at once")
        .default(DEFAULT_STATUS_SERVER_LIMITS.maxConnections)
        .argParser(numberFlag("a positive whole number", (n) => Number.isInteger(n) && n > 0)),
    )
    .option("--sops-age-key-file <file>", "age key file to decrypt SOPS-encrypted files with (default: $SOPS_AGE_KEY_FILE); a commit with an encrypted file that does not decrypt is not applied")
    .option("--sops-pgp-key-file <file>", "PGP private keys (armored, no passphrase) for SOPS files encrypted for PGP recipients (default: $MESHOPS_SOPS_PGP_KEY_FILE)")
    .option("--webhook-secret-file <file>", "file holding the GitHub webhook secret; enables POST /api/webhook")
    .option("--reconcile-token-file <file>", "file holding a token; enables POST /api/reconcile for callers that send it as a bearer token")
    .option("--hydrate-branch <name>", "also commit each valid revision's Kubernetes manifests to this branch (meshops hydrate), for Flux or Argo CD")
    .option("--hydrate-remote <name-or-url>", "push the --hydrate-branch there (default: origin for a remote --repo, the local branch otherwise)")
    .addOption(new Option("--cache-dir <dir>", "where remote repositories are cloned").default(".meshops/repos"))
    .addOption(new Option("--controls-file <file>", "where suspensions and approvals given through the API are kept, so a restart keeps them").default(".meshops/controls.json"))
    .option("--git-token-file <file>", "HTTPS remote: file holding the token git sends as the password (read at each fetch; never put in the URL)")
    .addOption(new Option("--git-username <name>", "HTTPS remote: the user name sent with --git-token-file").default("x-access-token"))
    .option("--git-ssh-key-file <file>", "SSH remote: the private key to authenticate with (mode 0600)")
    .option("--git-known-hosts-file <file>", "SSH remote: known_hosts holding the server's host key (checked strictly)")
    // Against --cp-url there is no embedded control plane to serve: the address would go unused.
    .addOption(new Option("--cp-listen <host:port>", "with the embedded control plane: also serve its Kuma API on this address").conflicts("cpUrl"))
    .addOption(
      new Option("--heap-growth <percent>", "how far the heap may grow past what is live before a full garbage collection (0: V8's own choice, up to four times what is live)")
        .default(DEFAULT_HEAP_GROWTH_PERCENT)
        .argParser((v) => {
          const n = Number(v);
          if (!/^\d+$/.test(v) || n > 1000) throw new InvalidArgumentError(`--heap-growth must be a whole percentage from 0 to 1000, got ${v}`);
          return n;
        }),
    )
    .addOption(new Option("--log-level <level>", "log level").choices(["trace", "debug", "info", "warn", "error", "silent"]).default("info"))
    .addOption(new Option("--log-format <format>", "auto: readable on a terminal, JSON lines otherwise").choices(["auto", "json", "pretty"]).default("auto"));
  addPruneLimitOptions(command, "hold for approval, in the meshes it deletes from,");
  addControlPlaneOptions(command);
  addNotificationOptions(command);

  // From a folder inside the repository, the folder meshops.yaml configures on the branch it follows, as every command reads.
  command.hook("preAction", configuredFolderHook(io, (action) => String(action.getOptionValue("branch") ?? "HEAD")));
  return addValidationOptions(command).action(async (options: WatchOptions) => {
    // Listen for signals from the very start, so one that arrives during startup still ends in a clean shutdown.
    const signalled = untilSignal();
    const log = createLogger({ stream: io.stdout, level: options.logLevel, format: options.logFormat, env: io.env });
    const heap = limitHeapGrowth(options.heapGrowth);
    log.info({ event: "daemon.heap", heapGrowthPercent: heap.percent, setBy: heap.setBy }, heap.percent > 0 ? `the heap grows at most ${heap.percent}% past what is live before a full collection` : "the heap grows as V8 decides");
    const unguard = guardDescriptorExhaustion(log);
    try {
      await runDaemon(io, options, signalled, log);
    } finally {
      unguard();
    }
    setExit(0);
  });
}

async function runDaemon(io: CliIo, options: WatchOptions, signalled: Promise<string>, log: Logger): Promise<void> {
  if (options.hydrateRemote !== undefined && options.hydrateBranch === undefined) throw new UsageError("--hydrate-remote names where --hydrate-branch goes: give --hydrate-branch too");
  const listen = parseListen(options.listen, "--listen");
  // Looked at on every request they guard (rare ones): a rotated-out token or secret is refused at once.
  const webhookSecret = options.webhookSecretFile
    ? openSecretFile(io, log, { file: options.webhookSecretFile, flag: "--webhook-secret-file", events: WEBHOOK_SECRET_EVENTS, changed: "deliveries are verified with the new secret", checkEveryMs: 0 })
    : undefined;
  const reconcileToken = options.reconcileTokenFile
    ? openSecretFile(io, log, { file: options.reconcileTokenFile, flag: "--reconcile-token-file", events: API_TOKEN_EVENTS, changed: "the API takes the new token only", checkEveryMs: 0 })
    : undefined;
  const metrics = new DaemonMetrics();

  const remote = isRemoteRepository(options.repo);
  if (remote) refuseTokenInUrl("--repo", options.repo, "give the token in a file with --git-token-file (the user name with --git-username)");
  if (options.hydrateRemote !== undefined) refuseTokenInUrl("--hydrate-remote", options.hydrateRemote, GIT_OWN_CREDENTIALS);
  const gitFlag = [options.gitTokenFile && "--git-token-file", options.gitSshKeyFile && "--git-ssh-key-file", options.gitKnownHostsFile && "--git-known-hosts-file"].find(Boolean);
  if (!remote && gitFlag) throw new UsageError(`${gitFlag} is for a remote --repo (a URL); ${options.repo} is a local working copy`);
  const source: RevisionSource = remote
    ? new RemoteRepository({
        url: options.repo,
        branch: options.branch ?? "main",
        cacheDir: path.resolve(io.cwd, options.cacheDir),
        intervalMs: options.interval,
        log,
        credentials: await gitCredentials(io, options),
      })
    : await LocalRepository.open({ dir: localRepositoryDir(options.repo, io), ...(options.branch ? { branch: options.branch } : {}), log });
  const notify = notificationSinks(options, io, log, source.branch);

  // The embedded control plane emulates the version meshops.yaml names, as it does for `apply` on the same directory,
  // so a remote copy is fetched for it now; a --cp-url daemon fetches in its first reconcile, where the status shows it.
  const settings = await startSettings(source, options.path, !options.cpUrl);
  if (!(settings instanceof Error) && !settings.config && settings.root !== "") {
    // As every command says it: settings in a meshops.yaml above --path would be lost without a word.
    const notRead = await settingsAboveWarning(source.dir, settings.ref, settings.root);
    if (notRead !== undefined) log.warn({ event: "config.not-read" }, notRead);
  }
  const target = options.cpUrl ? { version: undefined } : configuredTarget(settings, (message) => log.warn({ event: "cp.version-unknown" }, message));
  const { backend, store } = await openControlPlane(options, io, {
    ...target,
    onWarning: (message) => log.warn({ event: "cp.load-warning" }, message),
    health: {
      onUnhealthy: (error) => log.error({ event: "cp.unhealthy", err: error.message }, "the embedded control plane's state cannot be written: writes are refused until one succeeds"),
      onHealthy: () => log.info({ event: "cp.healthy" }, "the embedded control plane's state can be written again"),
    },
    onRequest: (e) => metrics.request(e),
    onTokenChange: () => log.info({ event: "cp.token-changed" }, "--token-file changed: requests carry the new token"),
    onClientCertificateChange: () => log.info({ event: "cp.client-certificate-changed" }, "--client-cert-file or --client-key-file changed: new connections present the new certificate"),
    // The daemon retries a failed reconcile itself, with a longer backoff: the client's own retries stay few.
    retries: 3,
  });
  let cpServer: ControlPlaneServer | undefined;
  if (store && options.cpListen) {
    const at = parseListen(options.cpListen, "--cp-listen");
    cpServer = await startControlPlaneServer({ store, host: at.host, port: at.port }).catch(async (cause: unknown) => {
      await backend.close();
      throw new UsageError(`cannot serve the embedded control plane on --cp-listen ${options.cpListen}`, { cause });
    });
  }
  const controlPlane = options.cpUrl
    ? { url: options.cpUrl, embedded: false }
    : { url: cpServer?.url ?? `embedded (${path.relative(io.cwd, path.resolve(io.cwd, options.stateDir)) || "."})`, embedded: true };

  try {
    // Read again when they change (a rotated Secret): the keys in use are never logged, a file's problems are.
    const keyFiles = sopsKeyFiles(options, io, (message) => log.warn({ event: "sops.key-file" }, message));
    const daemon = await startDaemon({
      source,
      path: options.path,
      maxFileBytes: options.maxFileSize,
      validation: validateOptionsOf(options),
      backend,
      controlPlane,
      listen,
      driftIntervalMs: options.driftInterval,
      pollIntervalMs: remote ? options.interval : null,
      driftMode: options.driftMode,
      pruneLimits: { ...(options.maxDeletes !== undefined ? { maxDeletes: options.maxDeletes } : {}), ...(options.maxDeletePercent !== undefined ? { maxDeletePercent: options.maxDeletePercent } : {}) },
      sopsKeys: keyFiles ? () => keyFiles.current() : [],
      ...(options.requestTimeout ? { requestTimeoutMs: options.requestTimeout } : {}),
      webhookSecret,
      reconcileToken,
      log,
      metrics,
      extraRoutes: statusPageRoutes(),
      serverLimits: { maxConnections: options.maxConnections },
      ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
      ...(options.hydrateBranch ? { hydrate: { branch: options.hydrateBranch, remote: options.hydrateRemote ?? (remote ? "origin" : undefined) } } : {}),
      ...(notify ? { notify } : {}),
      controlsFile: path.resolve(io.cwd, options.controlsFile),
    }).catch((cause: unknown) => {
      if (cause instanceof ControlsFileError) throw new UsageError(`--controls-file ${cause.message}`);
      throw (cause as NodeJS.ErrnoException).code === "EADDRINUSE" ? new UsageError(`cannot listen on --listen ${options.listen}`, { cause }) : cause;
    });
    const signal = await signalled;
    log.info({ event: "daemon.stopping", signal }, `${signal}: finishing the write in flight, then stopping`);
    await daemon.stop();
  } finally {
    await cpServer?.close();
    await backend.close();
  }
  log.info({ event: "daemon.stopped" }, "stopped");
}

/** The remote's credentials from the --git-* flags: each file must be readable now (its content is never read here). */
async function gitCredentials(io: CliIo, o: WatchOptions): Promise<GitCredentials> {
  const file = async (value: string | undefined, flag: string): Promise<string | undefined> => {
    if (value === undefined) return undefined;
    const resolved = path.resolve(io.cwd, value);
    try {
      await access(resolved, constants.R_OK);
    } catch (cause) {
      throw new UsageError(`cannot read ${flag} ${value}`, { cause });
    }
    return resolved;
  };
  const tokenFile = await file(o.gitTokenFile, "--git-token-file");
  const sshKeyFile = await file(o.gitSshKeyFile, "--git-ssh-key-file");
  const knownHostsFile = await file(o.gitKnownHostsFile, "--git-known-hosts-file");
  return {
    ...(tokenFile ? { tokenFile, username: o.gitUsername } : {}),
    ...(sshKeyFile ? { sshKeyFile } : {}),
    ...(knownHostsFile ? { knownHostsFile } : {}),
  };
}

const WEBHOOK_SECRET_EVENTS = { changed: "webhook.secret-changed", problem: "webhook.secret-problem" };
const API_TOKEN_EVENTS = { changed: "api.token-changed", problem: "api.token-problem" };
