/**
 * Ownership: meshops stamps a label with its instance name on everything it writes, and prunes only what carries it.
 * Another instance's resources, and resources made by hand, are never ours to delete.
 */
import { controlPlaneSource, type ControlPlaneMode } from "../kuma/controlPlaneMade.js";
import { inServerKeyOrder } from "../kuma/server.js";
import { isJsonObject, setOwn, type JsonObject, type JsonValue, type Resource } from "../model/resource.js";
import { namesUpTo } from "../util/namesUpTo.js";

/** The label that marks what meshops owns (and may therefore prune). */
export const MANAGED_BY_LABEL = "meshops.io/managed-by";

/**
 * Adds the ownership label. Keys are laid out as the control plane serializes a resource (`inServerKeyOrder`), so
 * rendered output reads the same whichever shape a resource was written in. Only the top level is copied: specs are
 * shared with the parsed resource, never mutated.
 */
export function withOwnership(resource: Resource, instance: string): Resource {
  const labels = resource.object.labels;
  const current = typeof labels === "object" && labels !== null && !Array.isArray(labels) ? labels : undefined;
  const object = inServerKeyOrder(resource.object, { type: resource.type, name: resource.name, labels: withLabel(current, MANAGED_BY_LABEL, instance) });
  return { ...resource, object };
}

/**
 * `{ ...labels, [key]: value }` built key by key: the spread gives each of 50,000 copies a hidden class of its own
 * (12 MB of maps, and every later walk over the labels megamorphic); stores in the same order share one. A null value
 * is sent as "", what the control plane stores for it.
 */
function withLabel(labels: JsonObject | undefined, key: string, value: string): JsonObject {
  const out: JsonObject = {};
  // A null value is valid only where encoding/json reads the labels (a protobuf kind's, a Secret's), which keep "".
  if (labels) for (const name in labels) setOwn(out, name, name === key ? value : (labels[name] ?? ""));
  if (!labels || !Object.hasOwn(labels, key)) setOwn(out, key, value);
  return out;
}

/**
 * The prune opt-out (Flux's `kustomize.toolkit.fluxcd.io/prune: disabled`, Argo CD's `Prune=false`). A label, not an
 * annotation: Kuma's Universal resources keep labels and have no annotations, so a label is the one marker that
 * survives on the control plane whichever shape the repository writes (a Kubernetes document's metadata.labels).
 */
export const PRUNE_LABEL = "meshops.io/prune";

/** Carries `meshops.io/prune: disabled`: prune keeps it even when it is owned and no longer desired. */
export function isPruneDisabled(object: JsonObject): boolean {
  const labels = object.labels;
  return typeof labels === "object" && labels !== null && !Array.isArray(labels) && labels[PRUNE_LABEL] === "disabled";
}

/** Whose resources are owned: meshops.yaml's `instance`, on a control plane of `controlPlane.mode`'s role. */
export interface Ownership {
  readonly instance: string;
  readonly controlPlane: { readonly mode: ControlPlaneMode };
}

/** isOwned for an Ownership (meshops.yaml itself will do). */
export function isOwnedBy(object: JsonObject, owner: Ownership): boolean {
  return isOwned(object, owner.instance, owner.controlPlane.mode);
}

/**
 * Owned: carries `meshops.io/managed-by` with this instance's name, and was not sent here by another control plane of
 * the deployment (`mode`: the control plane's role). A meshops of the same name on the global control plane stamps
 * what it writes there, and zones receive it with the label; this control plane refuses to delete it, so it is never
 * this instance's to prune.
 */
export function isOwned(object: JsonObject, instance: string, mode: ControlPlaneMode): boolean {
  return managedBy(object) === instance && controlPlaneSource(object, mode) !== "synced";
}

/**
 * The meshops instance other than `instance` whose `meshops.io/managed-by` label `object` carries; undefined when it
 * carries this instance's, or none. Its owner applies it again: written by this instance too, it would go back and forth.
 */
export function otherInstanceOf(object: JsonObject | undefined, instance: string): string | undefined {
  const owner = managedBy(object);
  return typeof owner === "string" && owner !== instance ? owner : undefined;
}

/** The `meshops.io/managed-by` label of `object` as written (any JSON value); undefined when it has none. */
function managedBy(object: JsonObject | undefined): JsonValue | undefined {
  const labels = object?.labels;
  return isJsonObject(labels) ? labels[MANAGED_BY_LABEL] : undefined;
}

/**
 * The changes that take a resource over from another meshops instance: an update of a live object whose
 * `meshops.io/managed-by` names another instance (Argo CD's SharedResourceWarning). Applying rewrites the label, so
 * the other instance's next apply takes it back, and neither one's prune sees it as its own meanwhile: two
 * repositories define the same resource. A resource nobody owns is adopted, which is not a takeover.
 */
export function takeovers(
  changes: readonly { readonly action: string; readonly resource: string; readonly live?: JsonObject }[],
  instance: string,
): { readonly resource: string; readonly owner: string }[] {
  const found: { resource: string; owner: string }[] = [];
  for (const change of changes) {
    if (change.action !== "update") continue;
    const owner = otherInstanceOf(change.live, instance);
    if (owner !== undefined) found.push({ resource: change.resource, owner });
  }
  return found;
}

/**
 * Carries no `meshops.io/managed-by` at all: applied by hand (kumactl, kubectl), by another tool, or made by the
 * control plane (a Mesh's default policies). Writing it adopts it, as Argo CD and Flux adopt what they apply over:
 * from then on it is this instance's, and prune deletes it once it leaves the repository.
 */
export function isUnlabelled(object: JsonObject): boolean {
  return managedBy(object) === undefined;
}

/** Writing `wanted` over `live` adopts it: it stamps the ownership label `live` lacks (not so where meshops stamps none). */
export function adopts(live: JsonObject, wanted: JsonObject): boolean {
  return isUnlabelled(live) && !isUnlabelled(wanted);
}

/**
 * `live` with the ownership label `wanted` stamps, where it carries none: compared with `wanted`, it tells an adoption
 * that changes nothing else (drift's `ownershipLabelOnly`) from one that also writes other values.
 */
export function withOwnershipLabelOf(live: JsonObject, wanted: JsonObject): JsonObject {
  const owner = isJsonObject(wanted.labels) ? wanted.labels[MANAGED_BY_LABEL] : undefined;
  if (typeof owner !== "string" || !isUnlabelled(live)) return live;
  return { ...live, labels: withLabel(isJsonObject(live.labels) ? live.labels : undefined, MANAGED_BY_LABEL, owner) };
}

/**
 * `wanted` with the ownership label `live` carries, where `wanted` stamps none (a Kubernetes-mode control plane's
 * desired state: meshops writes nothing there, so whether what Kubernetes applied carries the label is no difference).
 * `wanted` itself otherwise: most pairs cost two lookups.
 */
export function withLiveOwnershipLabel(wanted: JsonObject, live: JsonObject): JsonObject {
  return isUnlabelled(wanted) && !isUnlabelled(live) ? withOwnershipLabelOf(wanted, live) : wanted;
}

/** Adoptions named in adoptionNote; beyond, a count. */
const ADOPTIONS_NAMED = 5;

/**
 * What `plan` and `apply` say, once, of the updates that adopt resources (`Change.adopts`), in plan order. `whereDefined`
 * gives each one's file and line: an adoption is often a name clash with something made by hand, found there.
 */
export function adoptionNote(resources: readonly string[], whereDefined: (resource: string) => string | undefined = () => undefined): string {
  const named = namesUpTo(resources, ADOPTIONS_NAMED, (resource) => {
    const where = whereDefined(resource);
    return where ? `${resource} (${where})` : resource;
  });
  const them = resources.length === 1 ? "it is" : "they are";
  return (
    `applying adopts ${resources.length === 1 ? "1 resource" : `${resources.length} resources`} the control plane holds without an ownership label ` +
    `(made by hand, by another tool, or by the control plane): from then on ${them} this instance's, and --prune deletes ${resources.length === 1 ? "it" : "them"} once ` +
    `${resources.length === 1 ? "it leaves" : "they leave"} the repository: ${named}`
  );
}

/** What is said of a takeover, by `plan`, `apply` and `watch` alike. */
export function takeoverMessage(takeover: { readonly resource: string; readonly owner: string }): string {
  return `${takeover.resource} is managed by meshops instance ${JSON.stringify(takeover.owner)}: applying takes it over (its next apply takes it back)`;
}
