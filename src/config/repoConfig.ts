import { readFileSync } from "node:fs";
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { isScalar, parseAllDocuments, parseDocument, LineCounter } from "yaml";
import { aliasProblem, documentValue, syntaxProblems, templateStart, YAML_OPTIONS } from "../parse/documents.js";
import { readsBackAsString, resolvePlain } from "../parse/yaml11.js";
import { boundedMessage, type Diagnostic } from "../model/diagnostic.js";
import { isJsonObject, kindOfValue, type JsonObject, type JsonValue } from "../model/resource.js";
import { defaultSystemNamespace } from "../kuma/naming.js";
import { parsePath, formatPath } from "../model/fieldPath.js";
import { Locator } from "../parse/locate.js";
import { didYouMean } from "../model/suggest.js";
import { compilePathPattern, matchPathPattern, underRoot } from "./glob.js";
import { beyondNewestLine, schemaLine, unsupportedVersion } from "../kuma/versions.js";
import type { Product } from "../kuma/types.js";
import type { ControlPlaneMode } from "../kuma/controlPlaneMade.js";
import { CONFIG_AJV_OPTIONS, CONFIG_VALIDATOR_FILE, newAjv } from "../validate/formats.js";
import { loadPrecompiled } from "../validate/precompiled.js";
import { compileIgnoreDifferences, type IgnoreDifferencesEntry, type IgnoreDifferencesRule } from "./ignoreDifferences.js";
import { unitOfName } from "../model/key.js";

export type DriftMode = "report" | "correct";

/** The control plane's product: Kong Mesh adds kinds and allows a second mTLS backend (CA rotation). */
export type { Product };

/** The control plane's role (KUMA_MODE): kuma/controlPlaneMade.ts, which reads it. */
export type { ControlPlaneMode };

/** What the target control plane is, as validation and rendering need to know it. */
export interface ControlPlaneTarget {
  readonly version?: string;
  readonly product: Product;
  readonly mode: ControlPlaneMode;
  readonly skipDefaultMeshCreation: boolean;
}

export interface TenancyRule {
  readonly name: string;
  readonly path: string;
  /** Matches a repository-relative file path; `groups.mesh` is the bound mesh when the pattern has `{mesh}`. */
  readonly pattern: RegExp;
  readonly mesh?: string;
  readonly forbidTypes: readonly string[];
  readonly forbidMeshWideTargets: boolean;
}

/** A `namespaces` rule: the files its path matches state their Kubernetes documents' namespace through it. */
export interface NamespaceRule {
  readonly path: string;
  /** Matches a repository-relative file path; `groups.namespace` is the namespace when the pattern has `{namespace}`. */
  readonly pattern: RegExp;
  readonly namespace?: string;
}

/** The namespace the first rule matching `file` gives its documents that state none; undefined when none does. */
export function namespaceOfFile(rules: readonly NamespaceRule[], file: string): string | undefined {
  for (const rule of rules) {
    const captured = matchPathPattern(rule.pattern, file, "namespace");
    if (captured !== undefined) return rule.namespace ?? (captured === "" ? undefined : captured);
  }
  return undefined;
}

/** What becomes of documents that are not Kuma resources (another apiVersion: Deployments, Namespaces, ...). */
export type OtherDocuments = "skip" | "error";

/**
 * A drift.ignoreUnmanaged entry: unmanaged resources (live, neither desired nor owned) it matches are left out of
 * drift reports. `type`, `mesh`, `name` and `namespace` are globs (picomatch), all given ones must match (diff/ignore.ts
 * selectorMatcher); `defaultPolicy` matches a default policy the control plane created with its Mesh
 * (`mesh-timeout-all-<mesh>`, ...).
 */
export interface UnmanagedSelector {
  readonly type?: string;
  readonly mesh?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly defaultPolicy?: boolean;
}

/**
 * The namespace meshops gives what states none on Kubernetes (render, hydrate, the desired state of a Kubernetes zone)
 * and expects the default policies in: meshops.yaml's `systemNamespace`, else the product's usual one.
 */
export function systemNamespaceOf(config: Pick<RepoConfig, "systemNamespaces">): string {
  return config.systemNamespaces[0] ?? defaultSystemNamespace(undefined);
}

/** meshops.yaml with every default applied. */
export interface RepoConfig {
  readonly instance: string;
  /** Globs (relative to the repository root, meshops.yaml's own ones already rooted) of files that are not configuration. */
  readonly exclude: readonly string[];
  readonly otherDocuments: OtherDocuments;
  readonly systemNamespaces: readonly string[];
  readonly controlPlane: ControlPlaneTarget;
  readonly defaults: { readonly materialize: boolean };
  /** Kinds managed only on request (kinds group): Universal Dataplanes (`resources.dataplanes`). */
  readonly resources: { readonly dataplanes: boolean };
  readonly externalMeshes: readonly string[];
  /** Meshes the daemon neither applies nor corrects (drift still reported): `suspend: [mesh…]`. */
  readonly suspend: readonly string[];
  readonly prune: { readonly enabled: boolean; readonly maxDeletes: number; readonly maxDeletePercent: number };
  readonly drift: { readonly mode: DriftMode; readonly meshes: Readonly<Record<string, DriftMode>>; readonly ignoreUnmanaged: readonly UnmanagedSelector[] };
  readonly tenancy: readonly TenancyRule[];
  /** The namespace of Kubernetes documents that state none, per path (`namespaces`): the first rule that matches. */
  readonly namespaces: readonly NamespaceRule[];
  /**
   * Where resources of no mesh (HostnameGenerator, GlobalSecret) may be written: path globs. Empty (the default): in
   * any file that no tenancy rule binds to a mesh.
   */
  readonly globalResources: { readonly paths: readonly string[]; readonly patterns: readonly RegExp[] };
  /** Fields plan, apply and drift leave alone (src/diff/ignore.ts). */
  readonly ignoreDifferences: readonly IgnoreDifferencesRule[];
  // secrets group (issue 13 item 3)
  /** `secrets.allowPlaintext`: a Secret whose value is not SOPS-encrypted is accepted (default: an error). */
  readonly secrets: { readonly allowPlaintext: boolean };
}

export const DEFAULT_CONFIG: RepoConfig = {
  instance: "meshops",
  exclude: [],
  otherDocuments: "skip",
  systemNamespaces: [defaultSystemNamespace(undefined)],
  controlPlane: { product: "kuma", mode: "zone", skipDefaultMeshCreation: false },
  defaults: { materialize: true },
  resources: { dataplanes: false },
  externalMeshes: [],
  suspend: [],
  prune: { enabled: false, maxDeletes: 10, maxDeletePercent: 25 },
  // The control plane creates Mesh `default` and every Mesh's default policies: not the repository's business, and
  // otherwise in every drift report (issue 16).
  drift: { mode: "report", meshes: {}, ignoreUnmanaged: [{ type: "Mesh", name: "default" }, { defaultPolicy: true }] },
  tenancy: [],
  namespaces: [],
  globalResources: { paths: [], patterns: [] },
  ignoreDifferences: [],
  secrets: { allowPlaintext: false },
};

/**
 * meshops.yaml's validator: the build-time code (scripts/compile-validators.mjs), else compiled from the schema on
 * first use (a build that skipped the step).
 */
let precompiledConfigValidator: { readonly validate?: ValidateFunction } | undefined; // loaded on first use

function precompiledConfig(): ValidateFunction | undefined {
  precompiledConfigValidator ??= { validate: loadPrecompiled(CONFIG_VALIDATOR_FILE) };
  return precompiledConfigValidator.validate;
}
let compiledConfigValidator: ValidateFunction | undefined;

/** Whether meshops.yaml is checked by build-time code (a test asserts it, so the fast path cannot silently vanish). */
export function configValidatorIsPrecompiled(): boolean {
  return precompiledConfig() !== undefined;
}

/** meshops.yaml's validator compiled now from the schema, bypassing build-time code: tests compare the two. */
export function runtimeConfigValidator(): ValidateFunction {
  compiledConfigValidator ??= newAjv(CONFIG_AJV_OPTIONS).compile(JSON.parse(readFileSync(new URL("../../../schemas/meshops.schema.json", import.meta.url), "utf8")) as object);
  return compiledConfigValidator;
}

/**
 * Reads meshops.yaml (its repository path and text). A broken config is an error of the repository: every problem
 * becomes a diagnostic, and the settings the schema does not refuse still hold (the defaults stand in for the rest, or
 * for all of a file that does not parse), so validation still reports everything else as configured.
 */
export function parseRepoConfig(file: { path: string; text: string } | undefined, root: string): { config: RepoConfig; diagnostics: Diagnostic[] } {
  if (!file) return { config: DEFAULT_CONFIG, diagnostics: [] };
  const parsed = parseAsWritten(file, root);
  // A template's lines read as syntax errors or unknown fields, one after another: one problem, saying what it is.
  const template = parsed.diagnostics.some((d) => d.severity === "error") ? templateStart(file.text) : -1;
  if (template < 0) return parsed;
  const lineStart = file.text.lastIndexOf("\n", template - 1) + 1;
  const line = file.text.slice(0, lineStart).split("\n").length;
  const diagnostic: Diagnostic = { severity: "error", file: file.path, line, column: template - lineStart + 1, resource: "", path: "", message: CONFIG_TEMPLATE_MESSAGE, rule: "yaml-syntax" };
  return { config: DEFAULT_CONFIG, diagnostics: [diagnostic] };
}

const CONFIG_TEMPLATE_MESSAGE = "not YAML until rendered: meshops.yaml holds template syntax ({{ … }}), and meshops reads it as written: commit it rendered";

function parseAsWritten(file: { path: string; text: string }, root: string): { config: RepoConfig; diagnostics: Diagnostic[] } {
  const lines = new LineCounter();
  // An empty document (a `---` at the end, a comment after one) holds no settings, and is skipped as in a resource file.
  const docs = parseAllDocuments(file.text, { ...YAML_OPTIONS, lineCounter: lines, prettyErrors: false }).filter(
    (d) => d.errors.length > 0 || !(d.contents === null || (isScalar(d.contents) && d.contents.value === null)),
  );
  const diagnostics: Diagnostic[] = [];
  const diag = (line: number, column: number, path: string, message: string, rule = "config"): void => {
    diagnostics.push({ severity: "error", file: file.path, line, column, resource: "", path, message: boundedMessage(message), rule });
  };
  const [first, second] = docs;
  if (second) {
    const at = lines.linePos(second.contents?.range[0] ?? second.range[0]);
    diag(at.line, at.col, "", "meshops.yaml must hold a single YAML document: a second one starts here");
  }
  if (!first || first.errors.length > 0) {
    for (const p of first ? syntaxProblems(first, file.text, (offset) => lines.linePos(offset)) : []) diag(p.line, p.column, "", p.message, p.rule);
    return { config: DEFAULT_CONFIG, diagnostics };
  }
  // Aliases are expanded as in a resource file, within the same limits: a problem is a diagnostic, never a throw.
  const refused = aliasProblem(first);
  const read = refused ? { problem: refused } : documentValue(first);
  if ("problem" in read) {
    const p = lines.linePos(refused?.offset ?? first.contents?.range[0] ?? 0);
    diag(p.line, p.col, "", read.problem.message, read.problem.rule);
    return { config: DEFAULT_CONFIG, diagnostics };
  }
  let value = (read.value ?? {}) as JsonObject;
  const validateConfig = precompiledConfig() ?? runtimeConfigValidator();
  if (!validateConfig(value)) {
    const locator = new Locator(() => file.text);
    for (const error of validateConfig.errors ?? []) {
      const path = configErrorPath(error);
      const pos = locator.locate(file.path, 0, parsePath(path)) ?? { line: 1, column: 1 };
      const node = first.getIn(parsePath(path), true);
      diag(pos.line, pos.column, path, configErrorMessage(error, isScalar(node) && typeof node.source === "string" ? node.source : undefined));
    }
    const kept = withoutRefused(value, validateConfig);
    if (kept === undefined) return { config: DEFAULT_CONFIG, diagnostics };
    value = kept;
  }
  const ignored = compileIgnoreDifferences((value as { ignoreDifferences?: IgnoreDifferencesEntry[] }).ignoreDifferences ?? []);
  const config = { ...withDefaults(value, root), ignoreDifferences: ignored.rules };
  for (const problem of ignored.problems) {
    const pos = new Locator(() => file.text).locate(file.path, 0, parsePath(problem.path)) ?? { line: 1, column: 1 };
    diag(pos.line, pos.column, problem.path, problem.message);
  }
  config.namespaces.forEach((rule, i) => {
    // One way to give it: a schema could say so only with several errors for one mistake.
    if ((rule.namespace !== undefined) === rule.path.includes("{namespace}")) {
      const pos = new Locator(() => file.text).locate(file.path, 0, ["namespaces", i]) ?? { line: 1, column: 1 };
      diag(pos.line, pos.column, `namespaces[${i}]`, "give the namespace either in `namespace` or as a {namespace} segment in `path`, one of them");
    }
  });
  const version = config.controlPlane.version;
  const line = schemaLine(version);
  const beyond = beyondNewestLine(version);
  if ("error" in line || beyond !== undefined) {
    const pos = new Locator(() => file.text).locate(file.path, 0, parsePath("controlPlane.version")) ?? { line: 1, column: 1 };
    // The diagnostic's path names the setting: its message does not again (schemaLine's error does, for other callers).
    if ("error" in line) diag(pos.line, pos.column, "controlPlane.version", version === undefined ? line.error : unsupportedVersion(version));
    else diagnostics.push({ severity: "info", file: file.path, line: pos.line, column: pos.column, resource: "", path: "controlPlane.version", message: boundedMessage(beyond ?? ""), rule: "config" });
  }
  return { config, diagnostics };
}

function withDefaults(value: JsonObject, root: string): Omit<RepoConfig, "ignoreDifferences"> {
  const v = value as {
    instance?: string;
    exclude?: string[];
    otherDocuments?: OtherDocuments;
    systemNamespace?: string;
    controlPlane?: { version?: string; product?: Product; mode?: ControlPlaneMode; skipDefaultMeshCreation?: boolean };
    defaults?: { materialize?: boolean };
    resources?: { dataplanes?: boolean };
    externalMeshes?: string[];
    suspend?: string[];
    prune?: { enabled?: boolean; maxDeletes?: number; maxDeletePercent?: number };
    drift?: { mode?: DriftMode; meshes?: Record<string, DriftMode>; ignoreUnmanaged?: UnmanagedSelector[] };
    tenancy?: { name: string; path: string; mesh?: string; forbidTypes?: string[]; forbidMeshWideTargets?: boolean }[];
    namespaces?: { path: string; namespace?: string }[];
    globalResources?: { paths?: string[] };
    secrets?: { allowPlaintext?: boolean };
  };
  const d = DEFAULT_CONFIG;
  return {
    instance: v.instance ?? d.instance,
    exclude: (v.exclude ?? []).map((pattern) => underRoot(root, pattern)),
    otherDocuments: v.otherDocuments ?? d.otherDocuments,
    // kong: Kong Mesh installs into kong-mesh-system, so that is where `render` puts what has no namespace of its own.
    systemNamespaces: [v.systemNamespace ?? defaultSystemNamespace(v.controlPlane?.product)],
    controlPlane: {
      ...(v.controlPlane?.version ? { version: v.controlPlane.version } : {}),
      product: v.controlPlane?.product ?? d.controlPlane.product,
      mode: v.controlPlane?.mode ?? d.controlPlane.mode,
      skipDefaultMeshCreation: v.controlPlane?.skipDefaultMeshCreation ?? d.controlPlane.skipDefaultMeshCreation,
    },
    defaults: { materialize: v.defaults?.materialize ?? d.defaults.materialize },
    resources: { dataplanes: v.resources?.dataplanes ?? d.resources.dataplanes },
    externalMeshes: v.externalMeshes ?? [],
    // `_global` names the resources of no mesh (model/key.ts).
    suspend: (v.suspend ?? []).map(unitOfName),
    prune: { ...d.prune, ...v.prune },
    drift: {
      mode: v.drift?.mode ?? d.drift.mode,
      meshes: Object.fromEntries(Object.entries(v.drift?.meshes ?? {}).map(([mesh, mode]) => [unitOfName(mesh), mode])),
      ignoreUnmanaged: v.drift?.ignoreUnmanaged ?? d.drift.ignoreUnmanaged,
    },
    tenancy: (v.tenancy ?? []).map((rule) => ({
      name: rule.name,
      path: rule.path,
      // Patterns are relative to the folder meshops.yaml sits in; file paths are relative to the repository root.
      pattern: compilePathPattern(underRoot(root, rule.path)),
      ...(rule.mesh ? { mesh: rule.mesh } : {}),
      forbidTypes: rule.forbidTypes ?? [],
      forbidMeshWideTargets: rule.forbidMeshWideTargets ?? false,
    })),
    namespaces: (v.namespaces ?? []).map((rule) => ({ path: rule.path, pattern: compilePathPattern(underRoot(root, rule.path)), ...(rule.namespace ? { namespace: rule.namespace } : {}) })),
    globalResources: { paths: v.globalResources?.paths ?? [], patterns: (v.globalResources?.paths ?? []).map((p) => compilePathPattern(underRoot(root, p))) },
    secrets: { allowPlaintext: v.secrets?.allowPlaintext ?? d.secrets.allowPlaintext },
  };
}

/**
 * The settings left once what the schema refuses is taken out (an unknown field, a value of the wrong type, a list item
 * lacking a required field), so that one mistake in meshops.yaml is one error, not the defaults standing in for every
 * other setting (an unquoted `version: 2.14` used to turn `product: kong-mesh`, `exclude` and `systemNamespace` off and
 * make errors of what they allow). Undefined when nothing can be kept: the document itself is refused.
 */
function withoutRefused(value: JsonObject, validate: ValidateFunction): JsonObject | undefined {
  let kept = structuredClone(value) as JsonValue;
  // Taking a value out can leave its parent refused (a required field gone): each pass takes out a level more.
  for (let pass = 0; pass < 8; pass++) {
    if (validate(kept)) return kept as JsonObject;
    const refused = (validate.errors ?? []).map(refusedAt);
    if (refused.some((segments) => segments.length === 0)) return undefined;
    for (const segments of refused) takeOut(kept, segments);
    kept = compacted(kept);
  }
  return undefined;
}

/** What an error refuses: the unknown field, or the value at the error's path (an item lacking a required field). */
function refusedAt(error: ErrorObject): (string | number)[] {
  const segments = error.instancePath
    .split("/")
    .slice(1)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, "/").replace(/~0/g, "~")));
  if (error.keyword === "additionalProperties") segments.push((error.params as { additionalProperty: string }).additionalProperty);
  return segments;
}

/** Deletes a field, or marks a list item for `compacted` (so the other errors' indexes still hold). */
function takeOut(value: JsonValue, segments: readonly (string | number)[]): void {
  let parent: JsonValue | undefined = value;
  for (const segment of segments.slice(0, -1)) parent = parent === null || typeof parent !== "object" ? undefined : (parent as Record<string | number, JsonValue>)[segment];
  const last = segments[segments.length - 1]!;
  if (Array.isArray(parent) && typeof last === "number") (parent as (JsonValue | undefined)[])[last] = undefined;
  else if (isJsonObject(parent)) delete parent[String(last)];
}

function compacted(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.filter((item) => item !== undefined).map(compacted);
  if (isJsonObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, compacted(item)]));
  return value;
}

function configErrorPath(error: ErrorObject): string {
  const segments = refusedAt(error);
  if (error.keyword === "required") segments.push((error.params as { missingProperty: string }).missingProperty);
  return formatPath(segments);
}

/**
 * Where a string stands for a number or a boolean of the type asked for: quoted (`'20'`, a number when plain), or a
 * plain scalar YAML 1.1 would read as one (`yes`), which meshops.yaml, read as YAML 1.2, does not. Nothing otherwise
 * (`maxDeletes: yes` gets no advice to write `true`).
 */
function stringNote(written: string, asked: readonly string[]): string {
  const plain = parseDocument(written).toJS() as JsonValue;
  const scalar = (value: JsonValue) => typeof value === "number" || typeof value === "boolean";
  if (scalar(plain) && asked.some((type) => isOfType(plain, type))) return `; quoted, it is a string: write ${written} without quotes`;
  const meant = readsBackAsString(written) ? undefined : resolvePlain(written);
  if (meant !== undefined && asked.some((type) => isOfType(meant, type))) return `; meshops.yaml is read as YAML 1.2, where ${written} is a string: write ${JSON.stringify(meant)}`;
  return "";
}

/** Whether a value is of a JSON schema type. */
function isOfType(value: JsonValue, type: string): boolean {
  if (type === "integer") return Number.isInteger(value);
  if (type === "null") return value === null;
  if (type === "array") return Array.isArray(value);
  if (type === "object") return isJsonObject(value);
  return typeof value === type;
}

/**
 * Where a plain number stands for a string (`version: 2.10`): YAML 1.2 reads it as a number, which can differ from what
 * was written (2.10 is 2.1), so the note names both and the quoted form to write.
 */
function numberNote(found: number, written: string | undefined): string {
  const shortened = written !== undefined && written !== String(found) ? `, so ${written} is ${found}` : "";
  return `; YAML reads the plain scalar as a number${shortened}: quote it (${JSON.stringify(written ?? String(found))})`;
}

/** `source`: the scalar as written, where the error's value is one. */
function configErrorMessage(error: ErrorObject, source?: string): string {
  switch (error.keyword) {
    case "additionalProperties": {
      const field = (error.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return `unknown field "${field}"${didYouMean(field, known)}`;
    }
    case "required":
      return "Required value";
    case "enum":
      return `should be one of [${((error.params as { allowedValues: unknown[] }).allowedValues ?? []).join(" ")}]`;
    case "not":
      return "set either `mesh` or a {mesh} segment in `path`, not both";
    case "pattern":
      // The schema's pattern says nothing a person can act on: say what is wrong with the version (kuma/versions.ts).
      return error.instancePath === "/controlPlane/version" && typeof error.data === "string" ? unsupportedVersion(error.data) : (error.message ?? error.keyword);
    case "type": {
      // meshops.yaml is meshops' own file, read as YAML 1.2 (the mesh resources are read as Kuma reads them, YAML 1.1).
      const written = error.data as JsonValue;
      const asked = [(error.params as { type: string | string[] }).type].flat();
      const found = written !== null && typeof written !== "object" ? `${kindOfValue(written)} (${JSON.stringify(written)})` : kindOfValue(written);
      const note = typeof written === "string" ? stringNote(written, asked) : typeof written === "number" && asked.includes("string") ? numberNote(written, source) : "";
      return `${error.message ?? "has the wrong type"}, found ${found}${note}`;
    }
    default:
      return error.message ?? error.keyword;
  }
}
