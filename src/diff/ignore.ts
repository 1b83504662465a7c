/**
 * Applying meshops.yaml `ignoreDifferences` (src/config/ignoreDifferences.ts): at each ignored path the desired
 * object takes the live object's value (or loses its own where live has none) before the two are compared. So an
 * ignored field is never a difference, never in a diff, and an update written for another reason keeps the live
 * value there (Argo CD's RespectIgnoreDifferences): the controller that owns the field is not overridden either.
 * Pure; copies only the branches it changes.
 */
import picomatch from "picomatch";
import { ANY_SEGMENT, type IgnoreDifferencesRule, type IgnorePath } from "../config/ignoreDifferences.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../model/resource.js";
import { kubernetesNameOf } from "../kuma/naming.js";

type Key = { readonly type: string; readonly mesh: string; readonly name: string };

/** What meshops.yaml's ignoreDifferences and drift.ignoreUnmanaged select by: globs (picomatch), all given ones must match. */
export interface ResourceSelector {
  readonly type?: string | undefined;
  readonly mesh?: string | undefined;
  readonly name?: string | undefined;
  /** The Kubernetes namespace: matches only a resource named the Kubernetes way (`name.namespace`). */
  readonly namespace?: string | undefined;
}

/**
 * Whether `selector` matches a resource of `key`, whose live object is `object`. A name matches the API name
 * (`web-cb.web`) or, for a resource from a namespaced Kubernetes document, the name as the repository writes it
 * (`web-cb`, as Argo CD's ignoreDifferences takes name and namespace). Globs compiled once.
 */
export function selectorMatcher(selector: ResourceSelector): (key: Key, object: JsonObject | undefined) => boolean {
  const glob = (pattern: string | undefined) => (pattern === undefined ? () => true : picomatch(pattern, { dot: true }));
  const [type, mesh, name] = [glob(selector.type), glob(selector.mesh), glob(selector.name)];
  const namespace = selector.namespace === undefined ? undefined : picomatch(selector.namespace, { dot: true });
  return (key, object) => {
    if (!type(key.type) || !mesh(key.mesh)) return false;
    const apiName = name(key.name);
    if (apiName && namespace === undefined) return true;
    const named = object ? kubernetesNameOf(object) : undefined;
    if (!named) return apiName && namespace === undefined;
    return (apiName || name(named.name)) && (namespace === undefined || namespace(named.namespace));
  };
}

/** The paths ignored for a resource (every matching rule's), or undefined when none is; globs compiled once. */
export function ignoredPathsMatcher(rules: readonly IgnoreDifferencesRule[] | undefined): (key: Key, live: JsonObject) => readonly IgnorePath[] | undefined {
  if (!rules || rules.length === 0) return () => undefined;
  const matchers = rules.map((rule) => ({ matches: selectorMatcher(rule), paths: rule.paths }));
  return (key, live) => {
    const paths = matchers.flatMap((m) => (m.matches(key, live) ? m.paths : []));
    return paths.length > 0 ? paths : undefined;
  };
}

/** `desired` with `live`'s value at every ignored path; `desired` itself when that changes nothing. */
export function withLiveAtIgnored(desired: JsonObject, live: JsonObject, paths: readonly IgnorePath[]): JsonObject {
  let out: JsonObject = desired;
  for (const path of paths) out = (overlay(out, live, path, 0) ?? out) as JsonObject;
  return out;
}

/** The value at `path[at..]` of `desired` replaced by live's; undefined for "remove it"; the same value when unchanged. */
function overlay(desired: JsonValue | undefined, live: JsonValue | undefined, path: IgnorePath, at: number): JsonValue | undefined {
  if (at === path.length) return live;
  const segment = path[at] as string | number;
  if (Array.isArray(desired)) {
    const indexes = segment === ANY_SEGMENT ? desired.keys() : [Number(segment)];
    let copy: JsonValue[] | undefined;
    for (const i of indexes) {
      if (!Number.isInteger(i) || i < 0 || i >= desired.length) continue;
      const next = overlay(desired[i], Array.isArray(live) ? live[i] : undefined, path, at + 1);
      // An element live has none of stays: removing it would shift the indexes of the others.
      if (next === desired[i] || next === undefined) continue;
      copy ??= [...desired];
      copy[i] = next;
    }
    return copy ?? desired;
  }
  const liveObject = isJsonObject(live) ? live : undefined;
  // A branch the desired side lacks is built when live has something to take there.
  if (desired !== undefined && !isJsonObject(desired)) return desired;
  if (desired === undefined && !liveObject) return undefined;
  const base: JsonObject = desired ?? {};
  const keys = segment === ANY_SEGMENT ? new Set([...Object.keys(base), ...Object.keys(liveObject ?? {})]) : [String(segment)];
  let copy: JsonObject | undefined;
  for (const key of keys) {
    const next = overlay(base[key], liveObject?.[key], path, at + 1);
    if (next === base[key]) continue;
    copy ??= { ...base };
    if (next === undefined) delete copy[key];
    else copy[key] = next;
  }
  if (desired === undefined) return copy;
  return copy ?? desired;
}
