/** The scope flags of plan, apply and drift (`--mesh`, `--exclude-mesh`, `--type`), checked against what exists. */
import type { Command } from "commander";
import { RESOURCE_TYPES, resourceType } from "../kuma/types.js";
import { didYouMean } from "../model/suggest.js";
import { nameOfUnit, unitOfName } from "../model/key.js";
import type { Scope, TakenAlong } from "../sync/scope.js";
import { UsageError, type CliIo } from "./io.js";
import { collect } from "./repository.js";

export interface ScopeOptions {
  readonly mesh?: readonly string[];
  readonly excludeMesh?: readonly string[];
  readonly type?: readonly string[];
}

export function addScopeOptions(command: Command): Command {
  return command
    .option("--mesh <name>", "only this mesh (repeatable); prune deletes only within the scope", collect, [])
    .option("--exclude-mesh <name>", "leave this mesh out (repeatable)", collect, [])
    .option("--type <type>", "only this resource type, e.g. MeshTimeout (repeatable)", collect, []);
}

/** The scope the flags ask for; an unknown type is a usage error naming the closest one. */
export function scopeOf(options: ScopeOptions): Scope {
  const types = options.type ?? [];
  for (const type of types) {
    if (!resourceType(type)) throw new UsageError(`--type ${type}: no such resource type${didYouMean(type, RESOURCE_TYPES.map((t) => t.name)) || `; one of ${RESOURCE_TYPES.map((t) => t.name).join(", ")}`}`);
  }
  // `_global` names the resources of no mesh.
  const meshes = (options.mesh ?? []).map(unitOfName);
  const excludeMeshes = (options.excludeMesh ?? []).map(unitOfName);
  const both = meshes.filter((m) => excludeMeshes.includes(m));
  if (both.length > 0) throw new UsageError(`--mesh and --exclude-mesh both name ${both.join(", ")}`);
  return { meshes, excludeMeshes, types };
}

/** A --mesh or --exclude-mesh naming a mesh neither the repository nor the control plane has is an error (a typo). */
export function checkScopeMeshes(scope: Scope, knownMeshes: () => ReadonlySet<string>): void {
  // Worked out only when a mesh was named: it walks every desired and live resource (100,000 at 51k).
  if (scope.meshes.length === 0 && scope.excludeMeshes.length === 0) return;
  const known = knownMeshes();
  const unknown = [...scope.meshes, ...scope.excludeMeshes].filter((m) => !known.has(m));
  const [first] = unknown;
  if (first === undefined) return;
  const where = scope.meshes.includes(first) ? "--mesh" : "--exclude-mesh";
  // Named as people write them: the global unit is `_global`, not the empty mesh it is held under.
  const written = nameOfUnit(first);
  const names = [...known].map(nameOfUnit).sort();
  throw new UsageError(`${where} ${written}: no such mesh in the repository or the control plane${didYouMean(written, names) || `; meshes: ${names.join(", ")}`}`);
}

/**
 * A --type that nothing holds (`where`: the repository and the control plane, or the two revisions) leaves an empty
 * plan, which passes: said on stderr with the types held, as a type that does not exist is an error (scopeOf).
 */
export function warnUnheldTypes(io: CliIo, scope: Scope, knownTypes: () => ReadonlySet<string>, where = "neither the repository nor the control plane has one"): void {
  if (scope.types.length === 0) return;
  const known = knownTypes();
  const held = [...known].sort();
  for (const type of scope.types) if (!known.has(type)) io.stderr.write(`meshops: warning: --type ${type}: ${where}; types held: ${held.join(", ") || "none"}\n`);
}

/** Says, on stderr, which Meshes a `--type` scope took along because resources in it need them (sync/scope.ts). */
export function warnTakenAlong(io: CliIo, scoped: { readonly takenAlong: readonly TakenAlong[] }): void {
  for (const { mesh, neededBy } of scoped.takenAlong) io.stderr.write(`meshops: warning: --type takes along ${mesh}: the control plane does not have it, and ${neededBy} needs it\n`);
}
