/**
 * What an update of a live object to a desired resource writes, and whether it changes anything: the one comparison
 * `plan` and `drift` make of a paired resource, so that what plan leaves unchanged is never drift.
 */
import type { JsonObject, Resource } from "../model/resource.js";
import { withLiveImmutableLabels } from "../kuma/server.js";
import { sameNormalized } from "./normalize.js";
import type { IgnorePath } from "../config/ignoreDifferences.js";
import { withLiveAtIgnored } from "./ignore.js";
import { withLiveForEncrypted } from "./sealed.js";
import { withLiveOwnershipLabel } from "../desired/ownership.js";

/**
 * The desired object as written over `live`: the live value of every ignored field (`ignoreDifferences`), the live
 * ownership label where the desired state stamps none (a Kubernetes-mode control plane's), and, for an
 * update, the immutable labels the control plane has (2.13+ refuses one without them; a display name that is not the
 * object's own is then no difference). `same` when, normalized, it is what the control plane holds (a sealed
 * resource's encrypted values count as the live ones). Most resources are unchanged: they cost one comparison.
 */
export function wantedOver(resource: Resource, live: JsonObject, ignored: readonly IgnorePath[] | undefined): { readonly wanted: JsonObject; readonly same: boolean } {
  const wanted = withLiveOwnershipLabel(ignored ? withLiveAtIgnored(resource.object, live, ignored) : resource.object, live);
  if (sameAsLive(resource, wanted, live)) return { wanted, same: true };
  const kept = withLiveImmutableLabels(wanted, live);
  return kept === wanted ? { wanted, same: false } : { wanted: kept, same: sameAsLive(resource, kept, live) };
}

/** No closure per call: this runs for each of 50,000 pairs of a no-op plan. */
function sameAsLive(resource: Resource, object: JsonObject, live: JsonObject): boolean {
  return sameNormalized(live, resource.sealed ? withLiveForEncrypted(object, live) : object);
}
