import type { RepoConfig, TenancyRule } from "../config/repoConfig.js";
import { matchPathPattern } from "../config/glob.js";
import { isPolicyType } from "../kuma/types.js";
import type { Diagnostic } from "../model/diagnostic.js";
import type { Resource } from "../model/resource.js";
import { isGlobalKey } from "../model/key.js";
import type { Locator } from "../parse/locate.js";
import { diagnosticAt } from "./diagnostics.js";

/** The mesh a rule binds a file to, or undefined when the rule does not match the file. */
export function boundMesh(rule: TenancyRule, file: string): string | undefined {
  const mesh = matchPathPattern(rule.pattern, file);
  if (mesh === undefined) return undefined;
  return rule.mesh ?? mesh;
}

/** The tenancy rules that match one file, with the mesh each binds it to. */
export interface TenancyBinding {
  readonly rule: TenancyRule;
  readonly mesh: string;
}

/** Which rules bind `file`: worked out once per file (a glob match each), not once per resource in it. */
export function tenancyBindings(rules: readonly TenancyRule[], file: string): readonly TenancyBinding[] {
  const bindings: TenancyBinding[] = [];
  for (const rule of rules) {
    const mesh = boundMesh(rule, file);
    if (mesh !== undefined) bindings.push({ rule, mesh });
  }
  return bindings;
}

/**
 * meshops.yaml's tenancy rules for one resource: which files may hold which meshes' resources, and what tenants may
 * not define. `bindings`: tenancyBindings of the resource's file.
 */
export function checkTenancy(resource: Resource, bindings: readonly TenancyBinding[], locator: Locator): Diagnostic[] {
  if (!resource.source?.file || bindings.length === 0) return [];
  const diagnostics: Diagnostic[] = [];
  for (const { rule, mesh } of bindings) {
    const violation = (path: string, message: string) =>
      diagnostics.push(diagnosticAt(locator, resource, path, `tenancy rule "${rule.name}": ${message}`, `tenancy/${rule.name}`));

    if (mesh !== "" && isGlobalKey(resource)) {
      violation("name", `files matching ${rule.path} belong to mesh "${mesh}", but ${resource.type} is global (it belongs to no mesh): keep it outside tenant folders`);
    } else if (mesh !== "" && resource.mesh !== mesh) {
      violation(
        resource.type === "Mesh" ? "name" : "mesh",
        `files matching ${rule.path} belong to mesh "${mesh}", but this resource is in mesh "${resource.mesh}"`,
      );
    }
    if (rule.forbidTypes.includes(resource.type)) {
      violation("type", `${resource.type} may not be defined in files matching ${rule.path}`);
    }
    if (rule.forbidMeshWideTargets && isPolicyType(resource.type) && targetsWholeMesh(resource)) {
      violation("spec.targetRef", `policies in files matching ${rule.path} may not target the whole mesh; set spec.targetRef to the workloads they are for`);
    }
  }
  return diagnostics;
}

/** An omitted top-level targetRef means `{kind: Mesh}` to the control plane. */
function targetsWholeMesh(resource: Resource): boolean {
  const spec = resource.object.spec;
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) return true;
  const targetRef = spec.targetRef;
  if (typeof targetRef !== "object" || targetRef === null || Array.isArray(targetRef)) return true;
  return targetRef.kind === "Mesh";
}

/** meshops.yaml's `globalResources.paths`: a resource of no mesh only in the files they match (anywhere when unset). */
export function checkGlobalPlacement(resource: Resource, placement: RepoConfig["globalResources"] | undefined, locator: Locator): Diagnostic[] {
  const file = resource.source?.file;
  if (!file || !placement || placement.patterns.length === 0 || !isGlobalKey(resource)) return [];
  if (placement.patterns.some((pattern) => matchPathPattern(pattern, file) !== undefined)) return [];
  const message = `${resource.type} is global (it belongs to no mesh): meshops.yaml globalResources.paths keeps such resources in ${placement.paths.join(", ")}`;
  return [diagnosticAt(locator, resource, "name", message, "global-resources")];
}
