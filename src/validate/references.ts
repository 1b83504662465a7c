import type { JsonObject, JsonValue } from "../model/resource.js";
import { formatPath, type PathSegments } from "../parse/fieldPath.js";

/** A reference from a policy to another resource: a targetRef, a backendRef or a mirror's backendRef. */
export interface Reference {
  readonly path: string;
  readonly ref: JsonObject;
}

const REFERENCE_KEYS = new Set(["targetRef", "backendRef"]);

/** Every targetRef and backendRef in a spec, with its field path (`spec.to[0].targetRef`). */
export function referencesIn(spec: JsonValue | undefined, prefix: PathSegments = ["spec"]): Reference[] {
  const found: Reference[] = [];
  const walk = (value: JsonValue | undefined, path: (string | number)[]): void => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, [...path, i]));
    } else if (typeof value === "object" && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        if (REFERENCE_KEYS.has(key) && isRef(child)) found.push({ path: formatPath([...path, key]), ref: child });
        else if (key === "backendRefs" && Array.isArray(child)) {
          child.forEach((item, i) => (isRef(item) ? found.push({ path: formatPath([...path, key, i]), ref: item }) : undefined));
        } else walk(child, [...path, key]);
      }
    }
  };
  walk(spec, [...prefix]);
  return found;
}

function isRef(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) && typeof value.kind === "string";
}
