import { existsSync } from "node:fs";
import path from "node:path";
import { Option, type Command } from "commander";
import { KumaHttpBackend, fixedToken, type RequestEvent } from "../backend/kumaHttp.js";
import { readAhead } from "../backend/readAhead.js";
import { TokenFile, type TokenSource } from "../backend/tokenFile.js";
import { ClientCertificateFiles } from "../backend/clientCertificate.js";
import { JournalDamagedError, LocalBackend, openStore, STATE_FILE, StateDirectoryInUseError, type ControlPlaneStore, type HealthOptions, type StoreOptions } from "../backend/store.js";
import { BackendError, type Backend, type ControlPlaneEnvironment } from "../backend/types.js";
import { parseRepoConfig, type Product, type RepoConfig } from "../config/repoConfig.js";
import { instrumentBackend } from "../daemon/instrument.js";
import type { RevisionSource } from "../daemon/source.js";
import { DEFAULT_KUMA_VERSION, outsideSupportedLines, unsupportedLineAdvice } from "../kuma/version.js";
import { schemaLine } from "../kuma/versions.js";
import { readCommittedConfig } from "../source/git.js";
import type { SourceFile } from "../source/types.js";
import { renderDiagnosticLine } from "../report/diagnostics.js";
import { whereDefinedIn, type OnlineWarnings } from "../report/common.js";
import type { Resource } from "../model/resource.js";
import { UNKNOWN_REFERENCES_SHOWN, locatedDiagnostics, unknownServiceWarnings, type FileTexts } from "../validate/services.js";
import { CONTROL_PLANE_LACKS_RULE, lackedFields, lackedGroupWarning, lackedInPlan, meshNamesOf, unshownSentence, type LackingWarnings } from "../sync/live.js";
import { minorLine } from "../kuma/versions.js";
import { subjectOf } from "../model/key.js";
import { proxyFor } from "../util/proxy.js";
import type { Comparison } from "../sync/reconcile.js";
import type { Plan } from "../diff/plan.js";
import { adoptionNote, takeoverMessage, takeovers } from "../desired/ownership.js";
import { durationMs, styleFor, UsageError, type CliIo } from "./io.js";
import { urlForMessage } from "../util/errorMessage.js";

export interface ControlPlaneOptions {
  readonly cpUrl?: string;
  readonly tokenFile?: string;
  readonly caFile?: string;
  /** Both or neither: the client certificate for a control plane that asks for one. */
  readonly clientCertFile?: string;
  readonly clientKeyFile?: string;
  readonly stateDir: string;
  /** Per try of each request to a --cp-url, in ms. */
  readonly requestTimeout?: number;
  /** `--mode`: where the control plane runs (auto: Kubernetes when its whole API is read-only). */
  readonly mode?: ControlPlaneEnvironment | "auto";
}

/**
 * `--cp-url ""` is CI's `--cp-url "$KUMA_CP_URL"` with the variable unset, not a wish for the embedded control plane:
 * taken as one, drift would compare with an empty control plane made in the checkout and report everything missing.
 */
function nonEmptyUrl(value: string): string {
  if (value.trim() === "") throw new UsageError("--cp-url is empty: give the control plane's API URL (in CI: is its variable set?), or leave --cp-url out for the embedded control plane");
  return value;
}

/**
 * PRODUCT.md: --cp-url, --token-file or MESHOPS_CP_TOKEN, --ca-file, --client-cert-file and --client-key-file (kumactl's
 * names); without --cp-url the embedded control plane.
 */
export function addControlPlaneOptions(command: Command, offline?: OfflineFlag): Command {
  return command
    .hook("preAction", (self) => checkControlPlaneFlags(self, offline))
    .option("--cp-url <url>", "Kuma / Kong Mesh control plane API (e.g. http://127.0.0.1:5681); default: the embedded control plane", nonEmptyUrl)
    .option("--token-file <file>", "file holding the API token, sent as Authorization: Bearer, read again when it changes (or set MESHOPS_CP_TOKEN)")
    .option("--ca-file <file>", "PEM CA bundle to trust for an https --cp-url")
    .option("--client-cert-file <file>", "PEM client certificate for an https --cp-url that asks for one (Kuma: apiServer.authn.type adminClientCerts), read again when it changes; with --client-key-file")
    .option("--client-key-file <file>", "PEM private key of --client-cert-file")
    .addOption(new Option("--state-dir <dir>", "state of the embedded control plane").default(".meshops/cp"))
    .addOption(
      new Option("--mode <mode>", "where the control plane runs: kubernetes maps names as a Kubernetes zone does and never writes (auto: kubernetes when its API is read-only)")
        .choices(["auto", "universal", "kubernetes"])
        .default("auto"),
    )
    .addOption(
      new Option("--request-timeout <duration>", "how long one try of a request to --cp-url may take (a request that times out twice fails)")
        .default(10_000, "10s")
        .argParser(durationMs),
    );
}

/** The flags of a control plane over HTTP, which the embedded one has no use for. */
const HTTP_FLAGS = ["--token-file", "--ca-file", "--client-cert-file", "--client-key-file", "--request-timeout"] as const;

/** A flag of the command's under which it opens no control plane (plan --base), and what it does instead. */
export interface OfflineFlag {
  readonly flag: string;
  readonly does: string;
}

/** The control-plane flags given on the command line (not left at their defaults), by name. */
function givenControlPlaneFlags(command: Command): string[] {
  const given = (flag: string): boolean => command.getOptionValueSource(flag.slice(2).replace(/-(\w)/g, (_, c: string) => c.toUpperCase())) === "cli";
  return ["--cp-url", ...HTTP_FLAGS, "--state-dir", "--mode"].filter(given);
}

/**
 * One control plane, said one way: an HTTP flag without --cp-url would go unused while the command ran against the
 * embedded control plane (an `apply` "succeeding" into a CI checkout's .meshops/cp), and --state-dir beside --cp-url
 * names a second control plane.
 */
function checkControlPlaneFlags(command: Command, offline: OfflineFlag | undefined): void {
  const given = givenControlPlaneFlags(command);
  if (offline && command.getOptionValue(offline.flag.slice(2)) !== undefined && given.length > 0) throw new UsageError(`${offline.flag} ${offline.does}; it takes no ${given[0]}`);
  const { cpUrl, stateDir } = command.opts<ControlPlaneOptions>();
  if (cpUrl !== undefined && given.includes("--state-dir")) throw new UsageError("--state-dir is the embedded control plane's, and --cp-url names another: give one of them");
  const unused = cpUrl === undefined ? HTTP_FLAGS.find((flag) => given.includes(flag)) : undefined;
  if (unused) {
    throw new UsageError(`${unused} goes with --cp-url, which is not given: without it meshops uses the embedded control plane in --state-dir ${stateDir}, where ${unused} has no effect; give --cp-url (or leave out ${unused})`);
  }
}

/** How a command opens the control plane; only `version` is required, the rest is for the daemon. */
export interface OpenSettings {
  /**
   * The repository's meshops.yaml `controlPlane.version`: the Kuma version the embedded control plane emulates. Every
   * command passes it, so one state directory is the same control plane to `apply` and to `watch`.
   */
  readonly version: string | undefined;
  /** The repository's `controlPlane.product`: Kong Mesh serves kinds Kuma does not. */
  readonly product?: Product | undefined;
  /** The repository's `controlPlane.skipDefaultMeshCreation`: the embedded control plane creates no Mesh default either. */
  readonly skipDefaultMeshCreation?: boolean | undefined;
  /** What loading the embedded control plane's state had to do (default: a line on stderr). */
  readonly onWarning?: (message: string) => void;
  /** When the embedded control plane's state cannot be written, and can again. */
  readonly health?: HealthOptions;
  /** Every request, to either control plane: each HTTP attempt to a --cp-url, each call into the embedded one. */
  readonly onRequest?: (event: Pick<RequestEvent, "method" | "status" | "durationMs">) => void;
  /** Retries of one HTTP request (the daemon retries whole reconciles itself, so it asks for few). */
  readonly retries?: number;
  /** --token-file changed and was read again (the token is never passed). */
  readonly onTokenChange?: () => void;
  /** --client-cert-file / --client-key-file changed and were read again. */
  readonly onClientCertificateChange?: () => void;
  /** A command that only reads (export): a state directory without a control plane is a mistake, not a new one. */
  readonly existing?: boolean;
}

export interface OpenedControlPlane {
  readonly backend: Backend;
  /** The embedded control plane's store (`watch --cp-listen` serves it over HTTP); undefined with --cp-url. */
  readonly store?: ControlPlaneStore;
}

/** A control plane opened, or to be opened, for a command that validates the repository first. */
export interface PendingControlPlane {
  /** Its state is being read while the repository is validated. */
  readonly readingAhead: boolean;
  /** The control plane, for the repository's meshops.yaml (`settings`); an error opening it is thrown here. */
  open(settings: OpenSettings): Promise<OpenedControlPlane>;
  /** For a command that stops before comparing (an invalid repository): ends the read ahead. */
  abandon(): Promise<void>;
}

/**
 * The control plane a command (plan, apply, drift) compares with. Over HTTP it is opened before the repository is
 * validated and its state read meanwhile (backend/readAhead.ts): the listing's waits overlap the validation, and what
 * fails is still reported after it (from `open`). The embedded one is opened when asked for: it emulates the Kuma
 * version meshops.yaml names, and reading its state is no wait to hide.
 */
export function pendingControlPlane(options: ControlPlaneOptions, io: CliIo): PendingControlPlane {
  if (!options.cpUrl) return { readingAhead: false, open: (settings) => openControlPlane(options, io, settings), abandon: async () => undefined };
  // Over HTTP the settings' version and product change nothing (they are the embedded control plane's). Opened now:
  // a bad URL, token file or proxy is said before the validation, not after it.
  const opened = Promise.resolve({ backend: readAhead(openHttpControlPlane(options.cpUrl, options, io, { version: undefined }).backend) });
  return {
    readingAhead: true,
    open: () => opened,
    abandon: async () => {
      await (await opened.catch(() => undefined))?.backend.close();
    },
  };
}

/** The repository validated while `controlPlane` is read; the read is abandoned when there is nothing to compare. */
export async function validWhileReading<T>(controlPlane: PendingControlPlane, validate: () => Promise<T | undefined>): Promise<T | undefined> {
  const result = await validate().catch(async (error: unknown) => {
    await controlPlane.abandon();
    throw error;
  });
  if (result === undefined) await controlPlane.abandon();
  return result;
}

/** The embedded control plane's store in `stateDir` (as given, for messages): a failure names the directory. */
export async function openStateDirectory(stateDir: string, options: StoreOptions): Promise<ControlPlaneStore> {
  return openStore(options).catch((cause: unknown) => {
    // A locked or damaged state directory already says what to do; anything else gets the directory named.
    if (cause instanceof StateDirectoryInUseError || cause instanceof JournalDamagedError) throw cause;
    throw new UsageError(`cannot open the embedded control plane in ${stateDir}`, { cause });
  });
}

/** The one way every command and the daemon open the control plane: --cp-url over HTTP, else the embedded one. */
export async function openControlPlane(options: ControlPlaneOptions, io: CliIo, settings: OpenSettings): Promise<OpenedControlPlane> {
  if (!options.cpUrl) {
    const stateDir = path.resolve(io.cwd, options.stateDir);
    if (settings.existing && !existsSync(path.join(stateDir, STATE_FILE))) {
      throw new UsageError(`--state-dir ${options.stateDir} holds no control plane (no ${STATE_FILE}): give the state directory meshops cp, apply or watch wrote, or --cp-url`);
    }
    const store = await openStateDirectory(options.stateDir, {
      stateDir,
      ...(settings.version ? { version: settings.version } : {}),
      ...(settings.product ? { product: settings.product } : {}),
      ...(settings.skipDefaultMeshCreation ? { skipMeshCreation: true } : {}),
      onWarning: settings.onWarning ?? ((message) => io.stderr.write(`meshops: ${message}\n`)),
      ...(settings.health ? { health: settings.health } : {}),
      // auto: what the state directory was created as.
      ...(options.mode && options.mode !== "auto" ? { environment: options.mode } : {}),
    });
    const local = new LocalBackend(store, { ownsStore: true });
    return { backend: settings.onRequest ? instrumentBackend(local, settings.onRequest) : local, store };
  }
  return openHttpControlPlane(options.cpUrl, options, io, settings);
}

/** openControlPlane over HTTP: nothing it does waits, so a bad flag throws at once. */
function openHttpControlPlane(cpUrl: string, options: ControlPlaneOptions, io: CliIo, settings: OpenSettings): OpenedControlPlane {
  // `localhost:5681` parses as a URL of scheme "localhost:", and `127.0.0.1:5681` as none: both mean http://.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(cpUrl)) throw new UsageError(`--cp-url ${urlForMessage(cpUrl)} has no scheme: write http://${urlForMessage(cpUrl)} (or https://)`);
  let url: URL;
  try {
    url = new URL(cpUrl);
  } catch {
    throw new UsageError(`--cp-url is not a URL: ${urlForMessage(cpUrl)}`);
  }
  const clientCertificate = openClientCertificate(url, options, io, settings);
  const token = options.tokenFile ? openTokenFile(path.resolve(io.cwd, options.tokenFile), io, settings) : environmentToken(io.env.MESHOPS_CP_TOKEN);
  let proxy: URL | undefined;
  try {
    proxy = proxyFor(url, io.env);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const backend = new KumaHttpBackend({
    baseUrl: url.toString(),
    ...(token ? { token } : {}),
    ...(proxy ? { proxy } : {}),
    ...(options.caFile ? { caFile: path.resolve(io.cwd, options.caFile) } : {}),
    ...(clientCertificate ? { clientCertificate } : {}),
    ...(options.requestTimeout ? { timeoutMs: options.requestTimeout } : {}),
    ...(settings.onRequest ? { onRequest: settings.onRequest } : {}),
    ...(settings.retries !== undefined ? { retries: settings.retries } : {}),
    ...(options.mode ? { environment: options.mode } : {}),
  });
  return { backend };
}

/** meshops.yaml as committed at the revision `source` tracks when `watch` starts (its first reconcile reads it again). */
export interface StartSettings {
  readonly ref: string;
  readonly root: string;
  readonly config?: SourceFile;
}

/**
 * Reads StartSettings, with `update` a remote copy brought up to date first (else as the copy is: a remote one may not
 * exist yet). The error when the repository cannot be read yet.
 */
export async function startSettings(source: RevisionSource, subPath: string | undefined, update: boolean): Promise<StartSettings | Error> {
  try {
    if (update) await source.update();
    const ref = await source.resolve();
    return { ref, ...(await readCommittedConfig({ repo: source.dir, ref, ...(subPath !== undefined ? { path: subPath } : {}) })) };
  } catch (error) {
    return error as Error;
  }
}

/** What the embedded control plane takes from meshops.yaml's `controlPlane`: the control plane it stands for. */
export type EmulatedTarget = Pick<OpenSettings, "version" | "product" | "skipDefaultMeshCreation">;

export function emulatedTarget(config: RepoConfig): EmulatedTarget {
  const { version, product, skipDefaultMeshCreation } = config.controlPlane;
  return { version, product, skipDefaultMeshCreation };
}

/**
 * The Kuma version and product meshops.yaml names at the start: `watch` opens the control plane before its first
 * reconcile reads the repository. Undefined (the defaults) when there is none or it cannot be read yet, and the default
 * version for one meshops does not emulate (the store would answer with its name and behave as the newest line), said
 * through `warn`.
 */
export function configuredTarget(settings: StartSettings | Error, warn: (message: string) => void): EmulatedTarget {
  try {
    if (settings instanceof Error) throw settings;
    const target = emulatedTarget(parseRepoConfig(settings.config, settings.root).config);
    const line = schemaLine(target.version);
    if (!("error" in line)) return target;
    warn(`meshops.yaml's ${line.error}: the embedded control plane emulates Kuma ${DEFAULT_KUMA_VERSION}`);
    return { ...target, version: undefined };
  } catch (error) {
    warn(`cannot read meshops.yaml's controlPlane yet (${(error as Error).message.split("\n")[0]}): the embedded control plane emulates Kuma ${DEFAULT_KUMA_VERSION}`);
    return { version: undefined, product: undefined };
  }
}

/**
 * The references to MeshServices neither the repository nor the control plane has, on stderr, one line each at the
 * field that names the service (`texts`: the validated revision's, ValidationResult.texts).
 */
export async function warnUnknownReferences(io: CliIo, comparison: Pick<Comparison, "unknownReferences">, texts: FileTexts | undefined): Promise<void> {
  writeOnlineWarnings(io, await onlineWarnings(comparison, texts));
}

/** The references to MeshServices neither the repository nor the control plane has, as a report carries them (`github`). */
export async function onlineWarnings(comparison: Pick<Comparison, "unknownReferences">, texts: FileTexts | undefined): Promise<OnlineWarnings> {
  const unknown = comparison.unknownReferences;
  if (unknown.length === 0) return { diagnostics: [] };
  const more = unknown.length - UNKNOWN_REFERENCES_SHOWN;
  const counted = more > 0 ? { more: `and ${more} more references to MeshServices neither the repository nor the control plane has` } : {};
  return { diagnostics: await unknownServiceWarnings(unknown, texts), ...counted };
}

/** onlineWarnings on stderr, one line each as every diagnostic is. */
export function writeOnlineWarnings(io: CliIo, warnings: OnlineWarnings): void {
  const style = styleFor(io.stderr, io.env);
  for (const warning of warnings.diagnostics) io.stderr.write(`${renderDiagnosticLine(warning, style)}\n`);
  if (warnings.more) io.stderr.write(`meshops: ${warnings.more}\n`);
}

/**
 * What the control plane lacks (Comparison.lacking, or what withoutRefused left of it), on stderr: a warning per kind
 * it does not serve and per mesh it does not have, then one line per field its older line lacks, written as every
 * diagnostic is, then the count of the rest.
 */
export function warnLacking(io: CliIo, lacking: LackingWarnings): void {
  const style = styleFor(io.stderr, io.env);
  for (const group of lacking.groups) io.stderr.write(`meshops: warning: ${lackedGroupWarning(group)}\n`);
  for (const d of lacking.diagnostics) io.stderr.write(`${renderDiagnosticLine(d, style)}\n`);
  const unshown = unshownSentence(lacking);
  if (unshown) io.stderr.write(`meshops: warning: ${unshown}\n`);
}

/** Fields shown one line each when apply refuses what the control plane lacks; beyond, a count. */
const LACKED_SHOWN = 50;

/** Why `apply` refuses (refusalOfLacked), and the fields it refuses for (sync/live.ts lackedFields). */
export interface Refusal {
  readonly reason: string;
  readonly fields: ReadonlySet<string>;
}

/**
 * What `plan`'s creates and updates hold that the control plane would refuse (a kind it does not serve) or refuse or
 * drop (a field of a newer Kuma line), said on stderr one error line per field at its file, line and column; the
 * reason `apply` refuses, written nothing, or undefined when there is none. Writing up to the first of them would leave
 * a mesh half-applied (its Mesh and earlier changes written, the rest not attempted), or drifting for ever.
 */
export async function refusalOfLacked(io: CliIo, plan: Pick<Plan, "changes">, comparison: Pick<Comparison, "desired" | "types" | "info" | "live">, configuredVersion: string | undefined, texts: FileTexts | undefined): Promise<Refusal | undefined> {
  const reported = comparison.info.basedOnKuma ?? comparison.info.version;
  const lacked = lackedInPlan({ changes: plan.changes, desired: comparison.desired, served: comparison.types, configuredVersion, reportedVersion: reported, liveMeshes: meshNamesOf(comparison.live) });
  if (lacked.length === 0) return undefined;
  const style = styleFor(io.stderr, io.env);
  for (const d of await locatedDiagnostics(lacked.slice(0, LACKED_SHOWN), texts, CONTROL_PLANE_LACKS_RULE, "error")) io.stderr.write(`${renderDiagnosticLine(d, style)}\n`);
  writeMore(io, lacked.length, LACKED_SHOWN, "fields the control plane does not have");
  const count = new Set(lacked.map((l) => subjectOf(l.resource))).size;
  const controlPlane = reported === undefined ? "the control plane" : `the control plane (Kuma ${reported})`;
  const what = `${count} resource${count === 1 ? " holds" : "s hold"} what ${controlPlane} does not have`;
  const otherLine = reported !== undefined && minorLine(reported) !== minorLine(configuredVersion);
  // A line meshops does not carry cannot be set in meshops.yaml (targetMismatches says so too).
  const outside = outsideSupportedLines(minorLine(reported));
  const reason = outside
    ? `${what}; ${unsupportedLineAdvice(outside)}`
    : otherLine
      ? `${what}; set controlPlane.version to ${reported} in meshops.yaml to validate for it, or upgrade the control plane`
      : `${what}; check meshops.yaml's controlPlane (product, version) against the control plane`;
  return { reason, fields: lackedFields(lacked) };
}

/**
 * Says, on stderr, which changes take a resource over from another meshops instance, and (one line) which adopt one
 * nobody owns (desired/ownership.ts): not on a Kubernetes-mode control plane, where meshops neither writes nor prunes.
 */
export function warnOwnershipChanges(
  io: CliIo,
  plan: Pick<Plan, "changes">,
  instance: string,
  environment: ControlPlaneEnvironment | undefined,
  desired: readonly Resource[],
): void {
  const adopted = environment === "kubernetes" ? [] : plan.changes.filter((c) => c.adopts).map((c) => c.resource);
  if (adopted.length > 0) io.stderr.write(`meshops: note: ${adoptionNote(adopted, whereDefinedIn(desired))}\n`);
  const taken = takeovers(plan.changes, instance);
  for (const takeover of taken.slice(0, TAKEOVERS_SHOWN)) io.stderr.write(`meshops: warning: ${takeoverMessage(takeover)}\n`);
  writeMore(io, taken.length, TAKEOVERS_SHOWN, "resources managed by another meshops instance");
}

const TAKEOVERS_SHOWN = 20;

/** After the first `shown` of `total` lines on stderr, one that counts the rest (`what` names them); none if none. */
function writeMore(io: CliIo, total: number, shown: number, what: string): void {
  if (total > shown) io.stderr.write(`meshops: and ${total - shown} more ${what}\n`);
}

/** MESHOPS_CP_TOKEN's token, if it holds one. */
function environmentToken(value: string | undefined): TokenSource | undefined {
  return value === undefined || value.trim() === "" ? undefined : fixedToken(value, "MESHOPS_CP_TOKEN");
}

/** --client-cert-file and --client-key-file, both or neither, for an https --cp-url only. */
function openClientCertificate(url: URL, options: ControlPlaneOptions, io: CliIo, settings: OpenSettings): ClientCertificateFiles | undefined {
  const { clientCertFile: certFile, clientKeyFile: keyFile } = options;
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined) throw new UsageError("--client-key-file needs --client-cert-file (the certificate it is the key of)");
  if (keyFile === undefined) throw new UsageError("--client-cert-file needs --client-key-file (its private key)");
  if (url.protocol !== "https:") throw new UsageError(`--client-cert-file needs an https --cp-url (${urlForMessage(url.href)} is not encrypted)`);
  try {
    return new ClientCertificateFiles(path.resolve(io.cwd, certFile), path.resolve(io.cwd, keyFile), {
      onProblem: warnerOf(settings, io),
      ...(settings.onClientCertificateChange ? { onChange: settings.onClientCertificateChange } : {}),
    });
  } catch (error) {
    // A file that cannot be used names the file, never the key; one line, so no cause. Anything else is no usage error.
    if (error instanceof BackendError) throw new UsageError(error.message);
    throw error;
  }
}

/** Where a file read again says it cannot be used: the daemon's log, else stderr. */
function warnerOf(settings: OpenSettings, io: CliIo): (message: string) => void {
  return settings.onWarning ?? ((message: string) => io.stderr.write(`meshops: ${message}\n`));
}

function openTokenFile(file: string, io: CliIo, settings: OpenSettings): TokenFile {
  const warn = warnerOf(settings, io);
  try {
    return new TokenFile(file, { onProblem: warn, ...(settings.onTokenChange ? { onChange: settings.onTokenChange } : {}) });
  } catch (error) {
    // The path is named, never the content.
    const cause = (error as Error).cause;
    throw cause === undefined ? new UsageError(`--token-file: ${(error as Error).message}`) : new UsageError(`cannot read --token-file ${file}`, { cause });
  }
}
