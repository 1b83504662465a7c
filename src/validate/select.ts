/**
 * Which files of a snapshot are configuration: everything the source read, less what meshops.yaml's `exclude:` and
 * `--exclude` leave out, less Helm charts, which are one error each, and less kustomize's patch files, counted. (Dot-directories never reach here: the source
 * skips them.) Pure.
 */
import { posix } from "node:path";
import { compilePathPattern, underRoot } from "../config/glob.js";
import type { RepoConfig } from "../config/repoConfig.js";
import { parseYaml } from "../parse/documents.js";
import { kustomizePatchFiles } from "./kustomize.js";
import type { Snapshot, SourceFile, SourceProblem } from "../source/types.js";

export interface Selection {
  readonly files: readonly SourceFile[];
  readonly problems: readonly (SourceProblem | SelectionProblem)[];
  /** Files that are another tool's input, not configuration (kustomize's patches): read by kustomize.ts only. */
  readonly inputs: readonly SourceFile[];
  /** Their documents, counted with the other documents. */
  readonly otherDocuments: number;
}

/** A folder that is not configuration as it stands. */
export interface SelectionProblem {
  readonly path: string;
  readonly line: number;
  readonly message: string;
  readonly rule: "helm-chart";
  readonly severity?: "error";
}

/**
 * `extraExclude` are the command line's patterns, relative to the folder read (`--path`), like meshops.yaml's. A
 * pattern also excludes everything below a folder it names (`helm` is `helm/**`).
 */
export function selectFiles(snapshot: Snapshot, config: RepoConfig, extraExclude: readonly string[] = []): Selection {
  const patterns = [...config.exclude, ...extraExclude.map((p) => underRoot(snapshot.root, p))].flatMap((p) => [p, `${p.replace(/\/+$/, "")}/**`]);
  const excluded = patterns.map(compilePathPattern);
  const kept = (path: string) => !excluded.some((pattern) => pattern.test(path));
  const selected = patterns.length === 0 ? { files: snapshot.files, problems: snapshot.problems } : { files: snapshot.files.filter((f) => kept(f.path)), problems: snapshot.problems.filter((p) => kept(p.path)) };
  return withoutKustomizePatches(withoutHelmCharts(selected, snapshot.root));
}

/** kustomize's patch files: a strategic-merge patch looks like the resource it patches (kustomize.ts warns there). */
function withoutKustomizePatches(selection: Omit<Selection, "inputs" | "otherDocuments">): Selection {
  const patches = kustomizePatchFiles(selection.files);
  if (patches.size === 0) return { ...selection, inputs: [], otherDocuments: 0 };
  const inputs = selection.files.filter((f) => patches.has(f.path));
  const files = selection.files.filter((f) => !patches.has(f.path));
  return { ...selection, files, inputs, otherDocuments: inputs.reduce((n, f) => n + parseYaml(f.text).documents.length, 0) };
}

/**
 * A Helm chart's templates are not YAML until rendered, or are YAML that means something else (`idleTimeout: {{
 * .Values.timeout }}` parses as a mapping), and its values files are no resources: one error at the chart's
 * Chart.yaml (the file Helm requires, by that name) says what it is and how to leave it out, instead of an error per
 * file. Subcharts are the outer chart's.
 */
function withoutHelmCharts(selection: { readonly files: readonly SourceFile[]; readonly problems: readonly SourceProblem[] }, root: string): Omit<Selection, "inputs" | "otherDocuments"> {
  const charts = selection.files.filter((f) => posix.basename(f.path) === HELM_CHART_FILE && isHelmChartFile(f.text)).map((f) => posix.dirname(f.path));
  if (charts.length === 0) return selection;
  const inChart = (path: string) => charts.some((folder) => folder === "." || path.startsWith(`${folder}/`));
  const outermost = charts.filter((folder) => !charts.some((other) => other !== folder && (other === "." || folder.startsWith(`${other}/`))));
  const problems = outermost.map((folder): SelectionProblem => {
    const relative = folder === "." ? "" : root === "" ? folder : folder.slice(root.length + 1);
    const exclude = relative === "" ? "the repository itself is a chart: point --path at what `helm template` renders" : `list "${relative}" under \`exclude:\` in meshops.yaml, and give meshops what it renders`;
    const file = folder === "." ? HELM_CHART_FILE : `${folder}/${HELM_CHART_FILE}`;
    return { path: file, line: 1, rule: "helm-chart", message: `a Helm chart (${file}): its templates and values are not mesh configuration until \`helm template\` renders them; ${exclude}` };
  });
  return { files: selection.files.filter((f) => !inChart(f.path)), problems: [...selection.problems.filter((p) => !inChart(p.path)), ...problems] };
}

const HELM_CHART_FILE = "Chart.yaml";

/** What Helm requires of Chart.yaml (apiVersion v1 or v2, a name) and no Kuma document has (no kind, no type). */
function isHelmChartFile(text: string): boolean {
  return /^apiVersion:[ \t]*["']?v[12]["']?[ \t]*$/m.test(text) && /^name:/m.test(text) && !/^(kind|type):/m.test(text);
}
