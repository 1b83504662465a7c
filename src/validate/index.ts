import { DEFAULT_CONFIG, namespaceOfFile, parseRepoConfig, systemNamespaceOf, type ControlPlaneTarget, type NamespaceRule, type OtherDocuments, type RepoConfig, type TenancyRule } from "../config/repoConfig.js";
import { boundedMessage, hasErrors, type Diagnostic } from "../model/diagnostic.js";
import { isJsonObject, type Resource } from "../model/resource.js";
import { subjectOf } from "../model/key.js";
import { meshOfWritten } from "../kuma/types.js";
import { namespaceLabelWithoutDisplayName } from "../kuma/naming.js";
import { toResource } from "../parse/convert.js";
import { parseYaml } from "../parse/documents.js";
import { fieldKey, formatPath, parsePath } from "../model/fieldPath.js";
import { Locator } from "../parse/locate.js";
import type { Snapshot, SourceFile } from "../source/types.js";
import { diagnosticAt, withPlainScalarNote } from "./diagnostics.js";
import { isSecretPath } from "../kuma/secretFields.js";
import { fitted } from "../util/fitted.js";
import { runSteps, stepDue, type Steps } from "../util/steps.js";
import { checkRepositorySteps, checkResource, RepositoryChecks, type ResourceFacts } from "./repository.js";
import { SortedDiagnostics } from "./sortedParts.js";
import type { FileTexts, ServiceReference } from "./services.js";
import { deprecationWarnings } from "./rules/deprecations.js";
import { semanticViolations, semanticWarnings } from "./rules/index.js";
import { labelChecks, workloadLabelProblem } from "./rules/labels.js";
import { kindMissingFromTarget, validateSchema } from "./schema.js";
import { selectFiles } from "./select.js";
import { withoutBodies } from "./bodies.js";
import { unmatchedPatterns } from "./unmatchedPatterns.js";
import { checkGlobalPlacement, checkTenancy, tenancyBindings, type TenancyBinding } from "./tenancy.js";
import { checkSchemaOnlyDocument, NEEDS_KONG_MESH_RULE, needsKongMeshMessage, refusedByProduct } from "./kongMesh.js";
import { GLOBAL_READ_ONLY_RULE, globalReadOnlyMessage } from "./globalReadOnly.js";
import { policyRoleViolations } from "./webhook.js";
import { isKustomizationPath, kustomizeEffects, kustomizeEntryFindings } from "./kustomize.js";
import { kustomizeEntryDiagnostics, kustomizeLabelWarnings, kustomizeNamespaceWarnings, kustomizePatchWarnings, kustomizeRenameWarnings, kustomizeUnbuiltWarnings } from "./kustomizeWarnings.js";
import { checkKubernetesOnlyDocument } from "./kubernetesOnly.js";
import { generatedMeshServices, kubernetesServiceOf, type KubernetesService } from "./kubernetesServices.js";
import { NamespaceMeshWarnings, namespaceMeshOf, unlabelledResourceOf, type NamespaceMesh, type UnlabelledResource } from "./namespaceMesh.js";
import { isSubstituted, mayHoldVariables, substitutedFile, withSubstitutionVariables } from "./substitution.js";
import { encryptedPathsOf, plaintextSecretProblem, sopsProblems } from "./secrets.js";

const UNTYPED_DOCUMENT_MESSAGE =
  "no apiVersion, kind or type, nor a mesh resource's fields: not mesh configuration, skipped; if the file is another tool's, list it under `exclude:` in meshops.yaml";

/** The info item a Dataplane document gets when meshops.yaml leaves `resources.dataplanes` off (counted in summaries). */
export const DATAPLANE_SKIPPED_RULE = "dataplane-skipped";

/** What one file contributes: its resources and the problems found in it alone. Cached by path and blob id. */
export interface FileAnalysis {
  readonly resources: readonly Resource[];
  /** Per resource (same order): what the repository-wide rules need, worked out once. */
  readonly facts: readonly ResourceFacts[];
  readonly diagnostics: readonly Diagnostic[];
  /** Documents of other APIs in the file, skipped. */
  readonly otherDocuments: number;
  /** Its Namespace documents, and resources that lack the label (namespaceMesh.ts): absent when none. */
  readonly namespaceMeshes?: readonly NamespaceMesh[];
  readonly unlabelled?: readonly UnlabelledResource[];
  /** Its Services that may make MeshServices (kubernetesServices.ts): absent when none. */
  readonly services?: readonly KubernetesService[];
}

/**
 * Per-file results of earlier runs. A long-running process keeps one and passes it to every validation: after a
 * commit that changes one file, only that file is parsed and checked again, and repository-wide rules re-run only
 * for the meshes it touches.
 */
export class AnalysisCache {
  private readonly entries = new Map<string, FileAnalysis>();
  private configKey = "";
  /** The repository-wide findings of the last run, by mesh: only meshes whose resources changed are checked again. */
  readonly repositoryChecks = new RepositoryChecks();
  /** The warnings about resources without a mesh label in a Namespace that names a mesh. */
  readonly namespaceMeshWarnings = new NamespaceMeshWarnings();
  /** The last run's diagnostics in order, updated by the parts that changed. */
  readonly sortedDiagnostics = new SortedDiagnostics();

  /** By file object too: a snapshot read after a commit takes the unchanged files over, so most lookups hash nothing. */
  private byFile = new WeakMap<SourceFile, FileAnalysis>();

  get(file: SourceFile, configKey: string): FileAnalysis | undefined {
    this.useConfig(configKey);
    const known = this.byFile.get(file) ?? this.entries.get(`${file.path}\0${file.blobId}`);
    if (known) this.byFile.set(file, known);
    return known;
  }

  /** Analyses under another configuration (`analysisKey`) are dropped: conversion depends on it (system namespaces). */
  useConfig(configKey: string): void {
    if (configKey === this.configKey) return;
    this.entries.clear();
    this.byFile = new WeakMap();
    this.repositoryChecks.clear();
    this.configKey = configKey;
  }

  set(file: SourceFile, analysis: FileAnalysis): void {
    this.entries.set(`${file.path}\0${file.blobId}`, analysis);
    this.byFile.set(file, analysis);
  }

  /**
   * Drops entries of files that no longer exist at the latest revision, so the cache does not grow forever. Once
   * the stale entries are a few: a long-running process calls this after every commit, and each commit leaves one or
   * two behind.
   */
  retain(files: readonly SourceFile[]): void {
    if (this.entries.size <= files.length + Math.max(64, files.length >> 6)) return;
    const live = new Set(files.map((f) => `${f.path}\0${f.blobId}`));
    for (const key of this.entries.keys()) if (!live.has(key)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  #config: { readonly key: string; readonly parsed: ReturnType<typeof parseRepoConfig> } | undefined;

  /** meshops.yaml parsed, the last run's result when its text (and the folder read) did not change. */
  parsedConfig(file: SourceFile | undefined, root: string): ReturnType<typeof parseRepoConfig> {
    const key = file ? `${root}\0${file.path}\0${file.text}` : `${root}\0`;
    if (this.#config?.key !== key) this.#config = { key, parsed: parseRepoConfig(file, root) };
    return this.#config.parsed;
  }

  /** The last run's file analyses and their resources in one list. */
  #lastResources: { readonly analyses: readonly FileAnalysis[]; readonly resources: readonly Resource[] } = { analyses: [], resources: [] };

  /**
   * The resources of `analyses` in file order. The last run's list when the files are the same; after a commit that
   * changed a few files (each with as many resources as before), a copy with theirs put in: a commit costs a copy of
   * the list, not a push per resource.
   */
  resourcesOf(analyses: readonly FileAnalysis[]): readonly Resource[] {
    const last = this.#lastResources;
    let resources: Resource[] | undefined;
    let reusable = last.analyses.length === analyses.length;
    for (let i = 0, offset = 0; reusable && i < analyses.length; i++) {
      const now = analyses[i] as FileAnalysis;
      const before = last.analyses[i] as FileAnalysis;
      if (now !== before) {
        if (now.resources.length !== before.resources.length) reusable = false;
        else {
          resources ??= last.resources.slice();
          for (let k = 0; k < now.resources.length; k++) resources[offset + k] = now.resources[k] as Resource;
        }
      }
      offset += now.resources.length;
    }
    if (reusable) {
      this.#lastResources = { analyses, resources: resources ?? last.resources };
      return this.#lastResources.resources;
    }
    const all: Resource[] = [];
    for (const analysis of analyses) for (let k = 0; k < analysis.resources.length; k++) all.push(analysis.resources[k] as Resource);
    this.#lastResources = { analyses, resources: all };
    return all;
  }
}

export interface ValidationResult {
  readonly revision: string;
  readonly config: RepoConfig;
  /** The repository's own resources, in file order. */
  readonly resources: readonly Resource[];
  /** Sorted by file, line, column. */
  readonly diagnostics: readonly Diagnostic[];
  readonly valid: boolean;
  /** How many configuration files were read (after exclusions). */
  readonly files: number;
  /** Documents of other APIs (Deployments, Namespaces...) that were skipped, not checked. */
  readonly otherDocuments: number;
  /** References to MeshServices the repository does not define: checked against the control plane's when online. */
  readonly serviceReferences: readonly ServiceReference[];
  /**
   * The files' texts as validated, for what locates a field after the validation (an online warning about one of
   * `serviceReferences`). Absent from a report-only result, whose texts nothing reads.
   */
  readonly texts?: FileTexts;
  /** Validated with `reportOnly`: `resources` have no bodies (validate/bodies.ts), only what reports need. */
  readonly reportOnly?: true;
}

export interface ValidateOptions {
  /** `--exclude` globs, relative to the folder read. */
  readonly exclude?: readonly string[];
  /** A folder with no configuration at all is valid (by default it is an error: a mistyped --path must not pass). */
  readonly allowEmpty?: boolean;
  /** What the control plane warns about on PUT (rule `deprecation`) is an error: a repository kept free of them. */
  readonly deprecationsAsErrors?: boolean;
  /**
   * The result is only reported (`meshops validate`): each resource's body is dropped once its file is checked
   * (validate/bodies.ts), which the diagnostics do not depend on. Never for a result that is planned, rendered or cached.
   */
  readonly reportOnly?: boolean;
}

/** Parse, schema, semantic, repository and tenancy checks of a snapshot. */
export function validateSnapshot(snapshot: Snapshot, cache: AnalysisCache = new AnalysisCache(), options: ValidateOptions = {}): ValidationResult {
  return runSteps(validateSnapshotSteps(snapshot, cache, options));
}

/**
 * The files a validation of `snapshot` analyzes one by one (in order), and the key their analyses are cached under:
 * what a caller that analyzes some of them elsewhere (cli/parallelValidation.ts) puts into the cache beforehand.
 */
export function analysisInputs(snapshot: Snapshot, cache: AnalysisCache, options: ValidateOptions = {}): AnalysisInputs {
  // A cached run asks three times (seeding, validating, keeping the entry): worked out once per snapshot.
  const known = inputsMemo.get(snapshot);
  if (known && known.cache === cache && known.exclude === options.exclude && known.reportOnly === (options.reportOnly === true)) return known.inputs;
  const inputs = workOutAnalysisInputs(snapshot, cache, options);
  inputsMemo.set(snapshot, { cache, exclude: options.exclude, reportOnly: options.reportOnly === true, inputs });
  return inputs;
}

type AnalysisInputs = ReturnType<typeof workOutAnalysisInputs>;

const inputsMemo = new WeakMap<Snapshot, { cache: AnalysisCache; exclude: readonly string[] | undefined; reportOnly: boolean; inputs: AnalysisInputs }>();

function workOutAnalysisInputs(snapshot: Snapshot, cache: AnalysisCache, options: ValidateOptions) {
  const parsedConfig = cache.parsedConfig(snapshot.config, snapshot.root);
  const config = parsedConfig.config;
  const selected = selectFiles(snapshot, config, options.exclude);
  // What kustomize and Flux do to the files; a file a Flux Kustomization of the repository substitutes into is analyzed
  // as Flux applies it (a file object of its own, so a caller can tell it from the snapshot's).
  const kustomized = kustomizeEffects(selected.inputs.length > 0 ? [...selected.files, ...selected.inputs] : selected.files);
  const selection =
    kustomized.substitutes.size === 0
      ? selected
      : {
          ...selected,
          files: selected.files.map((f) => {
            const substitute = kustomized.substitutes.get(f.path);
            return substitute ? substitutedFile(f, substitute) : f;
          }),
        };
  // Analyses without bodies are cached apart: a whole validation after a report-only one must not take them over.
  return { parsedConfig, config, selection, kustomized, configKey: options.reportOnly ? `${analysisKey(config)}\0report-only` : analysisKey(config) };
}

/** validateSnapshot as steps (util/steps.ts): one per file, then the repository's checks in steps of their own. */
export function* validateSnapshotSteps(snapshot: Snapshot, cache: AnalysisCache = new AnalysisCache(), options: ValidateOptions = {}): Steps<ValidationResult> {
  const { parsedConfig, config, selection, kustomized, configKey } = analysisInputs(snapshot, cache, options);
  // The files by path, for the locator: built only if a diagnostic needs a position (a commit that changes one
  // file usually needs none outside that file).
  let texts: Map<string, string> | undefined;
  const textsByPath = (): Map<string, string> => {
    if (!texts) {
      texts = new Map(selection.files.map((f) => [f.path, f.text]));
      if (snapshot.config) texts.set(snapshot.config.path, snapshot.config.text);
    }
    return texts;
  };
  const locator = new Locator((file) => textsByPath().get(file));

  // In parts: a list per file analysis, per mesh of the repository's rules, and this run's own (sortedParts.ts).
  const diagnostics: Diagnostic[] = [...parsedConfig.diagnostics];
  const parts: (readonly Diagnostic[])[] = [diagnostics];
  for (const problem of selection.problems) {
    diagnostics.push({ severity: problem.severity ?? "error", file: problem.path, line: problem.line ?? 1, column: 1, resource: "", path: "", message: boundedMessage(problem.message), rule: problem.rule });
  }
  if (selection.files.length === 0 && selection.problems.length === 0 && !options.allowEmpty) {
    const where = snapshot.root === "" ? "the repository" : `"${snapshot.root}"`;
    const message = `no YAML configuration files in ${where} at ${snapshot.revision}: check --path and exclude (or pass --allow-empty)`;
    diagnostics.push({ severity: "error", file: "", line: 0, column: 0, resource: "", path: "", message: boundedMessage(message), rule: "empty-repository" });
  }
  const analyses: FileAnalysis[] = [];
  for (const [i, file] of selection.files.entries()) {
    let analysis = cache.get(file, configKey);
    if (!analysis) {
      analysis = analysisFor(file, config, options);
      cache.set(file, analysis);
      yield;
    } else if (stepDue(i, CACHED_FILES_PER_STEP)) yield;
    analyses.push(analysis);
  }
  cache.retain(selection.files);
  const { resources, otherDocuments } = gather(analyses, cache, parts, options.deprecationsAsErrors ? diagnostics : undefined);

  const repository = yield* checkRepositorySteps(analyses, config, locator, cache.repositoryChecks, generatedMeshServices(analyses, kustomized.namespaces));
  parts.push(...repository.diagnostics, cache.namespaceMeshWarnings.update(analyses, kustomized.namespaces, locator));
  diagnostics.push(...unmatchedPatterns(snapshot, config, selection.files, options.exclude ?? [], locator));
  if (kustomized.namespaces.size > 0 || kustomized.renames.size > 0 || kustomized.patches.size > 0 || kustomized.labels.size > 0 || kustomized.unbuilt.size > 0) {
    const analysisOf = new Map(selection.files.map((f, i) => [f.path, analyses[i] as FileAnalysis]));
    const resourcesOf = (file: string) => analysisOf.get(file)?.resources ?? [];
    diagnostics.push(
      ...kustomizeNamespaceWarnings(kustomized.namespaces, resourcesOf, locator, { systemNamespaces: config.systemNamespaces, mode: config.controlPlane.mode }),
      ...kustomizeRenameWarnings(kustomized.renames, resourcesOf, locator),
      ...kustomizePatchWarnings(kustomized.patches, resourcesOf),
      ...kustomizeLabelWarnings(kustomized.labels, resourcesOf, locator),
      ...kustomizeUnbuiltWarnings(kustomized.unbuilt, resourcesOf),
    );
  }
  // What kustomizations name that kustomize cannot load here, or meshops does not read (when the source listed the paths).
  if (snapshot.paths) diagnostics.push(...kustomizeEntryDiagnostics(kustomizeEntryFindings(selection.files, snapshot.root, snapshot.paths), snapshot.root, locator));
  const sorted = yield* cache.sortedDiagnostics.sortSteps(parts);
  return {
    revision: snapshot.revision,
    config,
    resources,
    diagnostics: sorted,
    valid: !hasErrors(sorted),
    files: selection.files.length,
    otherDocuments: otherDocuments + selection.otherDocuments,
    serviceReferences: repository.serviceReferences,
    ...(options.reportOnly ? { reportOnly: true as const } : { texts: new AnalyzedTexts(selection.files) }),
  };
}

/**
 * The texts of the files analyzed (a substituted file as Flux applies it), found in one pass when asked: no map of
 * every path is kept for the few files a warning is in.
 */
class AnalyzedTexts implements FileTexts {
  readonly #files: readonly SourceFile[];

  constructor(files: readonly SourceFile[]) {
    this.#files = files;
  }

  read(paths: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const wanted = new Set(paths);
    const texts = new Map<string, string>();
    for (const file of this.#files) if (wanted.has(file.path)) texts.set(file.path, file.text);
    return Promise.resolve(texts);
  }
}

/** Files whose analysis was cached, per step: looking one up is cheap, yielding after each costs more than that. */
const CACHED_FILES_PER_STEP = 512;

/**
 * The files' resources in file order, and their diagnostics as parts (one list per file, the very lists the cache
 * holds, so the sorted diagnostics are updated by the files that changed). Apart from the generator: a plain loop.
 */
function gather(
  analyses: readonly FileAnalysis[],
  cache: AnalysisCache,
  parts: (readonly Diagnostic[])[],
  deprecationsAsErrors: Diagnostic[] | undefined,
): { resources: readonly Resource[]; otherDocuments: number } {
  let otherDocuments = 0;
  for (const analysis of analyses) {
    // The cached analysis keeps deprecations as warnings; the flag is applied per run (into the run's own list).
    if (deprecationsAsErrors) for (const d of analysis.diagnostics) deprecationsAsErrors.push(d.rule === "deprecation" ? { ...d, severity: "error" } : d);
    else if (analysis.diagnostics.length > 0) parts.push(analysis.diagnostics);
    otherDocuments += analysis.otherDocuments;
  }
  return { resources: cache.resourcesOf(analyses), otherDocuments };
}

/** What per-file analysis depends on besides the file: a change to it invalidates the cache. */
export interface AnalyzeOptions {
  readonly systemNamespaces: readonly string[];
  readonly otherDocuments: OtherDocuments;
  readonly tenancy: readonly TenancyRule[];
  /** meshops.yaml `namespaces`: the namespace of Kubernetes documents that state none, per path. */
  readonly namespaces?: readonly NamespaceRule[];
  /** meshops.yaml `globalResources`: where resources of no mesh may be written. */
  readonly globalResources?: RepoConfig["globalResources"];
  readonly controlPlane: Pick<ControlPlaneTarget, "product" | "mode" | "version">;
  /** Absent: secrets must be encrypted (the default of meshops.yaml). */
  readonly secrets?: RepoConfig["secrets"];
  /** `resources.dataplanes` in meshops.yaml: whether Dataplane documents are managed (else skipped with a note). */
  readonly resources?: { readonly dataplanes: boolean };
}

export function analysisKey(options: AnalyzeOptions): string {
  const { product, mode, version } = options.controlPlane;
  return JSON.stringify([options.systemNamespaces, options.otherDocuments, options.resources?.dataplanes ?? false, product, mode, version ?? null, options.tenancy.map((r) => [r.name, r.path, r.mesh, r.forbidTypes, r.forbidMeshWideTargets]), options.secrets?.allowPlaintext ?? false, options.globalResources?.paths ?? [], (options.namespaces ?? []).map((r) => [r.path, r.namespace ?? null])]);
}

/** One file's analysis as a validation with `options` keeps it: without bodies when only reported. Pure. */
export function analysisFor(file: SourceFile, config: AnalyzeOptions, options: Pick<ValidateOptions, "reportOnly">): FileAnalysis {
  return options.reportOnly ? withoutBodies(analyzeFile(file, config)) : analyzeFile(file, config);
}

/** Everything that can be known about one file on its own. Pure. */
export function analyzeFile(file: SourceFile, config: AnalyzeOptions): FileAnalysis {
  return analyze(file, config, true);
}

/**
 * analyzeFile's resources, facts and count of other documents, with no diagnostics: for a file whose checks another
 * process runs (cli/parallelValidation.ts), which sends back analyzeFile's diagnostics of the same file. Pure.
 */
export function parseFileResources(file: SourceFile, config: AnalyzeOptions): FileAnalysis {
  return analyze(file, config, false);
}

/**
 * One pass for both, so they cannot differ in what they keep: `checks` false skips what only finds problems, never a
 * step that decides which resources the file has.
 */
function analyze(file: SourceFile, config: AnalyzeOptions, checks: boolean): FileAnalysis {
  const locator = new Locator(() => file.text);
  const diagnostics: Diagnostic[] = [];
  const resources: Resource[] = [];
  const facts: ResourceFacts[] = [];
  let otherDocuments = 0;
  const namespaceMeshes: NamespaceMesh[] = [];
  const unlabelled: UnlabelledResource[] = [];
  const services: KubernetesService[] = [];
  let tenancy: readonly TenancyBinding[] | undefined;
  const parsed = parseYaml(file.text);
  locator.remember(file.path, file.text, parsed);
  const defaultNamespace = config.namespaces?.length ? namespaceOfFile(config.namespaces, file.path) : undefined;
  // Documents of another tool or API, skipped: what kumactl would make of their values (a tag, a ${var}) is not said.
  const skipped = new Set<number>();
  const warningsOfDocuments = new Map<Diagnostic, number>();
  for (const problem of checks ? parsed.problems : []) {
    const id = problem.identity;
    const resource = id?.type && id.name ? subjectOf({ type: id.type, mesh: meshOfWritten(id.type, id.name, id.mesh), name: id.name }) : "";
    const path = problem.sourcePath ? formatPath(problem.sourcePath) : "";
    const said: Diagnostic = { severity: problem.severity ?? "error", file: file.path, line: problem.line, column: problem.column, resource, path, message: boundedMessage(problem.message), rule: problem.rule };
    diagnostics.push(said);
    if (problem.docIndex !== undefined) warningsOfDocuments.set(said, problem.docIndex);
  }
  // kustomize's own file, with or without its optional apiVersion and kind: a document of another tool, counted.
  if (isKustomizationPath(file.path)) return { resources, facts, diagnostics, otherDocuments: parsed.documents.length };
  for (const doc of parsed.documents) {
    for (const p of checks ? sopsProblems(doc.value) : []) {
      const at = locator.locate(file.path, doc.index, parsePath(p.path)) ?? doc;
      diagnostics.push({ severity: "error", file: file.path, line: at.line, column: at.column, resource: "", path: p.path, message: boundedMessage(p.message), rule: "sops" });
    }
    const schemaOnly = checkSchemaOnlyDocument(file.path, doc, config.controlPlane.product, locator);
    if (schemaOnly) {
      if (checks) diagnostics.push(...schemaOnly);
      continue;
    }
    const kubernetesOnly = checkKubernetesOnlyDocument(file.path, doc, locator);
    if (kubernetesOnly) {
      if (checks) diagnostics.push(...kubernetesOnly);
      otherDocuments++;
      continue;
    }
    const conversion = toResource(file.path, doc, { systemNamespaces: config.systemNamespaces, mode: config.controlPlane.mode, ...(defaultNamespace !== undefined ? { defaultNamespace } : {}) });
    if (conversion.other) {
      otherDocuments++;
      skipped.add(doc.index);
      const namespaceMesh = isJsonObject(doc.value) ? namespaceMeshOf(doc.value, file.path, doc.index) : undefined;
      if (namespaceMesh) namespaceMeshes.push(namespaceMesh);
      const service = isJsonObject(doc.value) ? kubernetesServiceOf(doc.value, file.path, defaultNamespace) : undefined;
      if (service) services.push(service);
      const { apiVersion, kind, untyped, tool } = conversion.other;
      if (checks && config.otherDocuments !== "error" && untyped) {
        const message = tool ? `${tool}, not mesh configuration: skipped; if meshops should not read it, list it under \`exclude:\` in meshops.yaml` : UNTYPED_DOCUMENT_MESSAGE;
        diagnostics.push({ severity: "warning", file: file.path, line: doc.line, column: doc.column, resource: "", path: "", message, rule: "other-document" });
      }
      if (checks && config.otherDocuments === "error") {
        const message = untyped
          ? `${tool ?? "a document with no apiVersion, kind or type"} is not a mesh resource (meshops.yaml sets otherDocuments: error)`
          : tool
            ? `${tool} (apiVersion ${apiVersion}) is not a mesh resource (meshops.yaml sets otherDocuments: error)`
            : `${kind || "a document"} of apiVersion ${apiVersion} is not a mesh resource (meshops.yaml sets otherDocuments: error)`;
        diagnostics.push({ severity: "error", file: file.path, line: doc.line, column: doc.column, resource: "", path: "apiVersion", message: boundedMessage(message), rule: "other-document" });
      }
      continue;
    }
    for (const problem of checks ? conversion.problems : []) {
      const at = locator.locate(file.path, doc.index, problem.sourcePath) ?? doc;
      diagnostics.push({
        severity: problem.severity ?? "error",
        file: file.path,
        line: at.line,
        column: at.column,
        resource: problem.resource,
        path: formatPath(problem.sourcePath),
        message: boundedMessage(withPlainScalarNote(locator, file.path, doc.index, problem.sourcePath, problem.message, isSecretPath(doc.value, problem.sourcePath))),
        rule: problem.rule,
      });
    }
    const resource = conversion.resource;
    if (!resource) continue;
    if (resource.type === "Dataplane" && !config.resources?.dataplanes) {
      const message = "Dataplane skipped: meshops manages Dataplanes only when meshops.yaml sets `resources: {dataplanes: true}` (kuma-dp usually registers them)";
      if (checks) diagnostics.push({ severity: "info", file: file.path, line: doc.line, column: doc.column, resource: subjectOf(resource), path: "", message, rule: DATAPLANE_SKIPPED_RULE });
      continue;
    }
    if (refusedByProduct(resource.type, config.controlPlane.product)) {
      if (checks) diagnostics.push(diagnosticAt(locator, resource, "type", needsKongMeshMessage(resource.type), NEEDS_KONG_MESH_RULE));
      continue;
    }
    const readOnly = globalReadOnlyMessage(resource.type, resource.source?.format ?? "universal", config.controlPlane.mode, config.controlPlane.product);
    if (readOnly !== undefined) {
      if (checks) diagnostics.push(diagnosticAt(locator, resource, "type", readOnly, GLOBAL_READ_ONLY_RULE));
      continue;
    }
    const checked = checkResource(resource, locator);
    resources.push(resource);
    facts.push(checked.facts);
    const withoutMeshLabel = isJsonObject(doc.value) ? unlabelledResourceOf(resource, doc.value) : undefined;
    if (withoutMeshLabel) unlabelled.push(withoutMeshLabel);
    if (!checks) continue;
    tenancy ??= tenancyBindings(config.tenancy, file.path);
    diagnostics.push(...checkTenancy(resource, tenancy, locator), ...checkGlobalPlacement(resource, config.globalResources, locator));
    if (conversion.problems.some((p) => p.severity !== "warning")) continue;
    diagnostics.push(...checked.diagnostics);
    const plaintext = plaintextSecretProblem(resource, config.secrets ?? DEFAULT_CONFIG.secrets);
    if (plaintext) diagnostics.push(diagnosticAt(locator, resource, plaintext.path, plaintext.message, "plaintext-secret"));
    // Ciphertext stands in for the values of a sealed resource: what is said about those fields waits for the plaintext.
    const encrypted = resource.sealed ? encryptedPathsOf(resource) : undefined;
    const schemaViolations = unlessEncrypted(validateSchema(resource.type, resource.object, config.controlPlane.version, { kubernetes: resource.source?.format === "kubernetes" }), encrypted);
    // A kind the target version does not have: that one error says it all; its rules would only add noise.
    if (kindMissingFromTarget(resource.type, config.controlPlane.version)) {
      for (const v of schemaViolations) diagnostics.push(diagnosticAt(locator, resource, v.path, v.message, "schema"));
      continue;
    }
    // The control plane stops at the first schema error of a field; its semantic rules would only restate it, even
    // where they report the field under another path (MeshRetry's `default.conf`, a dotted tag key bracketed).
    let semantic = unlessEncrypted(semanticViolations(resource.type, resource.object, config.controlPlane), encrypted);
    if (schemaViolations.length > 0 && semantic.length > 0) {
      const flagged = new Set(schemaViolations.map((v) => fieldKey(v.path)));
      semantic = semantic.filter((v) => !flagged.has(fieldKey(v.path)));
    }
    for (const v of schemaViolations) diagnostics.push(diagnosticAt(locator, resource, v.path, v.message, "schema"));
    for (const v of semantic) diagnostics.push(diagnosticAt(locator, resource, v.path, v.message, "semantic"));
    for (const v of semanticWarnings(resource.type, resource.object, config.controlPlane)) {
      diagnostics.push(diagnosticAt(locator, resource, v.path, v.message, "semantic", "warning"));
    }
    const labels = labelChecks(resource.type, resource.object, { mode: config.controlPlane.mode, format: resource.source?.format ?? "universal" });
    for (const v of labels.violations) diagnostics.push(diagnosticAt(locator, resource, v.path, v.message, "labels"));
    for (const v of labels.warnings) diagnostics.push(diagnosticAt(locator, resource, v.path, v.message, "labels", "warning"));
    // Rendered for Kubernetes into the system namespace under its whole name, which the label suggests is not meant.
    const unnamespaced = resource.source?.format === "kubernetes" ? undefined : namespaceLabelWithoutDisplayName(resource.type, resource.object, systemNamespaceOf(config));
    if (unnamespaced) diagnostics.push(diagnosticAt(locator, resource, "name", unnamespaced, "labels", "warning"));
    // Checked by the API server on create only, after the labels' syntax (a refused label stops the request first); an
    // error all the same (test/validate.workloadLabel.test.ts says why).
    const workload = resource.source?.format === "kubernetes" || labels.violations.length > 0 ? undefined : workloadLabelProblem(resource.type, resource.object, config.controlPlane.mode);
    if (workload) diagnostics.push(diagnosticAt(locator, resource, workload.path, `${workload.message}; the control plane checks it when it creates the Dataplane`, "labels"));
    const roleViolations = policyRoleViolations(resource, { systemNamespaces: config.systemNamespaces, mode: config.controlPlane.mode });
    if (roleViolations.length > 0) {
      const reported = new Set([...schemaViolations, ...semantic].map((v) => `${v.path}\0${v.message}`));
      for (const v of roleViolations) {
        if (!reported.has(`${v.path}\0${v.message}`)) diagnostics.push(diagnosticAt(locator, resource, v.path, v.message, "kubernetes-policy-role"));
      }
    }
    // What the control plane would accept but warn about on PUT.
    for (const w of deprecationWarnings(resource.type, resource.object, config.controlPlane.version)) {
      diagnostics.push(diagnosticAt(locator, resource, w.path, w.message, "deprecation", "warning"));
    }
  }
  const substituted = isSubstituted(file) ? file : undefined;
  const ownDiagnostics = skipped.size > 0 && warningsOfDocuments.size > 0 ? diagnostics.filter((d) => !skipped.has(warningsOfDocuments.get(d) ?? -1)) : diagnostics;
  const said =
    checks && mayHoldVariables(file.text) && substituted?.variablesLeft.size !== 0
      ? withSubstitutionVariables(file.path, parsed.documents, resources, ownDiagnostics, locator, substituted, skipped)
      : ownDiagnostics;
  return {
    resources: fitted(resources),
    facts: fitted(facts),
    diagnostics: fitted(said),
    otherDocuments,
    ...(namespaceMeshes.length > 0 ? { namespaceMeshes } : {}),
    ...(unlabelled.length > 0 ? { unlabelled } : {}),
    ...(services.length > 0 ? { services } : {}),
  };
}

/** The violations not about a field a sealed resource holds encrypted (`encrypted` absent: the resource is not sealed). */
function unlessEncrypted<T extends { readonly path: string }>(violations: T[], encrypted: ((path: string) => boolean) | undefined): T[] {
  return encrypted && violations.length > 0 ? violations.filter((v) => !encrypted(v.path)) : violations;
}
