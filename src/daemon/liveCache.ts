/**
 * The daemon's copy of the control plane's state (as Argo CD keeps a cluster cache): listed whole at start, on every
 * drift check and after anything went wrong, and kept up to date in between by write-through. After a successful PUT
 * the cached object is the one meshops sent, after a DELETE the key is gone. The plan and the drift classification
 * normalize both sides, and normalization mirrors what the control plane does to an object between PUT and GET, so
 * the object sent compares exactly as the stored one would (test/liveCache.test.ts checks it against the embedded
 * control plane). What the cache cannot see are edits made by someone else: the drift timer lists again, and that
 * finds them within one drift interval, as before.
 *
 * The cache is "unknown" until listed, and again after any failed write or backend error: a request that failed may
 * still have reached the control plane. An unknown cache is never planned against; the next run lists everything.
 * It still answers (with what it last knew, a failed key as it was before the write) for the drift record of the
 * run that failed, as a full run's drift is computed from the list it planned with.
 *
 * What it knows is also what a fresh list is compared with to tell whether someone changed the control plane
 * (`replace` with `compare`, `changeSteps`): the daemon does not try a refused change again until that happens.
 */
import type { ServerInfo } from "../backend/types.js";
import { isOwnedBy, type Ownership } from "../desired/ownership.js";
import { sameNormalized } from "../diff/normalize.js";
import { indexLiveSteps, type LiveResource } from "../diff/pair.js";
import { defaultPolicyName, initialPoliciesOf, isServerCreated } from "../kuma/defaultPolicies.js";
import { subjectOf } from "../model/key.js";
import { runSteps, runStepsSliced, stepDue, type Steps } from "../util/steps.js";
import type { JsonObject } from "../model/resource.js";
import type { ChangeSet } from "../sync/apply.js";
import { isUnresolved, liveServiceSubjectsSteps, type ServiceReference } from "../validate/services.js";

export class LiveCache {
  #objects = new Map<string, JsonObject>();
  #known = false;
  #server: string | undefined;
  /** Whose resources #owned counts (undefined: not counted yet). */
  #owner: Ownership | undefined;
  #owned = 0;
  #reason = "not listed yet";
  /**
   * The subjects meshops wrote since the last list: their cached object is the one sent, whose modificationTime only
   * the control plane knows.
   */
  #written = new Set<string>();
  /** What the control plane makes along with meshops' writes since the last list: the default policies of a Mesh it created. */
  #madeAlong = new Set<string>();
  /** The Kuma version of the control plane last listed (its default policies). */
  #kumaVersion: string | undefined;
  /**
   * Whether each reference resolves nowhere (unknownReferences), while no MeshService came or went: the repository's
   * references are the same objects from commit to commit (validation takes unchanged meshes over), so a commit costs
   * the lookups of the references it changed.
   */
  #referenceChecks = new WeakMap<ServiceReference, boolean>();
  /** The names references may use for the live MeshServices (liveServiceSubjects), while none came or went. */
  #serviceSubjects: Set<string> | undefined;

  /** Known: listed, and every write since went through (or was never tried). */
  get known(): boolean {
    return this.#known;
  }

  /** Why the cache is unknown (for the log); "" when it is known. */
  get unknownBecause(): string {
    return this.#known ? "" : this.#reason;
  }

  /** The live objects by subject, as last known. Only to be planned against when `known`. */
  get objects(): ReadonlyMap<string, JsonObject> {
    return this.#objects;
  }

  /**
   * The references to MeshServices neither the repository nor this control plane has (validate/services.ts
   * `unresolvedServiceReferences`), in their order.
   */
  unknownReferences(references: readonly ServiceReference[]): ServiceReference[] {
    return runSteps(this.unknownReferencesSteps(references));
  }

  /** unknownReferences in steps: 50,000 references looked up for the first time are a few hundred milliseconds. */
  *unknownReferencesSteps(references: readonly ServiceReference[]): Steps<ServiceReference[]> {
    const unknown: ServiceReference[] = [];
    for (const [i, reference] of references.entries()) {
      let unresolved = this.#referenceChecks.get(reference);
      if (unresolved === undefined) {
        if (!this.#serviceSubjects) this.#serviceSubjects = yield* liveServiceSubjectsSteps(this.#objects.values());
        unresolved = isUnresolved(reference, this.#serviceSubjects);
        this.#referenceChecks.set(reference, unresolved);
      }
      if (unresolved) unknown.push(reference);
      if (stepDue(i, 512)) yield;
    }
    return unknown;
  }

  /** Live objects carrying `instance`'s ownership label (the base of the prune percentage limit). */
  ownedCount(owner: Ownership): number {
    if (!this.#owner || owner.instance !== this.#owner.instance || owner.controlPlane.mode !== this.#owner.controlPlane.mode) {
      this.#owner = { instance: owner.instance, controlPlane: { mode: owner.controlPlane.mode } };
      this.#owned = 0;
      for (const object of this.#objects.values()) if (isOwnedBy(object, owner)) this.#owned++;
    }
    return this.#owned;
  }

  /**
   * Replaces the whole cache with a fresh list of the control plane `info` describes. In slices: the daemon keeps
   * answering. With `compare`, first finds how the list differs from what the cache knew (`changeSteps`): the
   * answer, or undefined when nothing changed (or nothing was asked).
   */
  async replace(live: readonly JsonObject[], info: ServerInfo, owner: Ownership, compare = false): Promise<string | undefined> {
    const index = await runStepsSliced(indexLiveSteps(live));
    const change = compare ? await runStepsSliced(this.changeSteps(index, info)) : undefined;
    const { objects, owned } = await runStepsSliced(cacheEntries(index, owner));
    this.#objects = objects;
    this.#written = new Set();
    this.#madeAlong = new Set();
    this.#kumaVersion = info.basedOnKuma ?? info.version;
    this.servicesChanged();
    this.#known = true;
    this.#server = serverIdentity(info);
    this.#owner = { instance: owner.instance, controlPlane: { mode: owner.controlPlane.mode } };
    this.#owned = owned;
    return change;
  }

  /**
   * How a fresh list (`index`, from the control plane `info` describes) differs from what the cache knows, the last
   * list and meshops' writes since: the first difference found, for the log ("Mesh/payments was modified"), or
   * undefined. An object compares by content, as a plan compares (sameNormalized: the server's own fields, status
   * included, left out; what was sent normalizes to what the control plane stores, so meshops' own writes are no
   * change), and only when its modificationTime moved (or the control plane gives none, or meshops wrote it since). The order the
   * objects are listed in does not matter. What the control plane makes for itself appearing (a new Mesh's signing
   * key and CA Secrets) is no change either: it follows a write, meshops' own or one seen on its object; nor are the
   * default policies it makes with a Mesh meshops created. A failed write that did reach the control plane is: it
   * costs one needless try, after which the cache is listed again.
   */
  private *changeSteps(index: ReadonlyMap<string, LiveResource>, info: ServerInfo): Steps<string | undefined> {
    if (this.#server !== serverIdentity(info)) return "another version or instance of the control plane answers";
    const known = this.#objects;
    let found = 0;
    let i = 0;
    for (const [subject, { object }] of index) {
      if (stepDue(++i, 1024)) yield;
      const before = known.get(subject);
      if (!before) {
        if (isServerCreated(object) || this.#madeAlong.has(subject)) continue;
        return `${subject} was created`;
      }
      found++;
      // The time first (most objects kept theirs), then the content: a status the control plane updates (a generated
      // MeshService's proxies come and go) or a PUT of the same object moves the time and changes nothing refused.
      const at = modificationTimeOf(before);
      const touched = this.#written.has(subject) || at === "" || at !== modificationTimeOf(object);
      if (touched && !sameNormalized(before, object)) return `${subject} was modified`;
    }
    if (found === known.size) return undefined;
    for (const subject of known.keys()) if (!index.has(subject)) return `${subject} was deleted`;
    return undefined;
  }

  /**
   * Whether `info` is the control plane the cache was listed from: same product, version and instance. A new
   * version may store objects differently, and a new instance (a restart) may not have kept what it held.
   */
  sameServer(info: ServerInfo): boolean {
    return this.#known && this.#server === serverIdentity(info);
  }

  /** Stops trusting the cache: the next run lists the control plane again. */
  invalidate(reason: string): void {
    if (this.#known) this.#reason = reason;
    this.#known = false;
  }

  /** A MeshService came, went or changed: what the references were found to mean may differ now. */
  private servicesChanged(): void {
    this.#referenceChecks = new WeakMap();
    this.#serviceSubjects = undefined;
  }

  private forgetMesh(mesh: string): void {
    for (const [subject, object] of this.#objects) {
      if (object.type === "Mesh" || (typeof object.mesh === "string" ? object.mesh : "default") !== mesh) continue;
      this.#objects.delete(subject);
      this.#written.delete(subject);
      if (this.#owner && isOwnedBy(object, this.#owner)) this.#owned--;
      if (object.type === "MeshService") this.servicesChanged();
    }
  }

  /**
   * Write-through: what a plan's applied changes did to the control plane. A failed change makes the cache unknown
   * (its key keeps the value from before); a skipped one was never sent, so its key is as it was.
   */
  record(changes: ChangeSet): void {
    runSteps(this.recordSteps(changes));
  }

  /** record as steps (util/steps.ts): an initial apply's change set has 50,000 results. */
  *recordSteps(changes: ChangeSet): Steps<void> {
    const objects = this.#objects;
    for (const [i, result] of changes.results.entries()) {
      if (stepDue(i, 1024)) yield;
      if (result.outcome === "failed") {
        this.invalidate(`${result.change.action} ${result.change.resource} failed`);
        continue;
      }
      if (result.outcome !== "applied") continue;
      const subject = result.change.resource;
      const before = objects.get(subject);
      if (result.change.type === "MeshService") this.servicesChanged();
      if (before && this.#owner && isOwnedBy(before, this.#owner)) this.#owned--;
      if (result.change.action === "delete") {
        objects.delete(subject);
        this.#written.delete(subject);
        // Deleting a Mesh deletes everything in it on the control plane: forget those too. (A plan only deletes a
        // Mesh whose contents are all being deleted, but the cache must not rely on that.)
        if (result.change.type === "Mesh") this.forgetMesh(result.change.name);
        continue;
      }
      const sent = result.change.desired;
      if (!sent) {
        // Cannot happen (applyPlan refuses a write without an object), but a guess is worse than a fresh list.
        this.invalidate(`${result.change.resource}: applied without an object`);
        continue;
      }
      objects.set(subject, sent);
      this.#written.add(subject);
      if (this.#owner && isOwnedBy(sent, this.#owner)) this.#owned++;
      // Not known here: what the control plane creates as a side effect (a 2.x Mesh's default policies when
      // meshops does not materialize them). They are never owned, so no write or prune depends on them; the next
      // drift check's list brings them into the cache and the status, and does not take them for someone's change.
      if (result.change.type === "Mesh" && result.change.action === "create") {
        const mesh = result.change.name;
        for (const policy of initialPoliciesOf(sent, this.#kumaVersion)) this.#madeAlong.add(subjectOf({ type: policy.type, mesh, name: defaultPolicyName(policy.prefix, mesh) }));
      }
    }
  }
}

/** The cached objects of an index of the live state, and how many of them `owner` owns. */
function* cacheEntries(index: ReadonlyMap<string, LiveResource>, owner: Ownership): Steps<{ objects: Map<string, JsonObject>; owned: number }> {
  const objects = new Map<string, JsonObject>();
  let owned = 0;
  for (const [subject, { object }] of index) {
    objects.set(subject, object);
    if (isOwnedBy(object, owner)) owned++;
    if (stepDue(objects.size, 1024)) yield;
  }
  return { objects, owned };
}

function modificationTimeOf(object: JsonObject): string {
  return typeof object.modificationTime === "string" ? object.modificationTime : "";
}

function serverIdentity(info: ServerInfo): string {
  return JSON.stringify([info.product, info.version, info.basedOnKuma ?? null, info.instanceId ?? null]);
}
