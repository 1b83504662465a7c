import type { JsonObject, JsonValue } from "../model/resource.js";
import { formatPath } from "../parse/fieldPath.js";

/** A reference from a policy to another resource: a targetRef, a backendRef or a mirror's backendRef. */
export interface Reference {
  /** Field path segments; format them only when reporting (most references are fine). */
  readonly segments: readonly (string | number)[];
  readonly ref: JsonObject;
}

export function referencePath(reference: Reference): string {
  return formatPath(reference.segments);
}

const REFERENCE_KEYS = new Set(["targetRef", "backendRef"]);

/** Every targetRef and backendRef in a spec, with its field path (`spec.to[0].targetRef`). */
export function referencesIn(spec: JsonValue | undefined): Reference[] {
  const found: Reference[] = [];
  const path: (string | number)[] = ["spec"];
  const walk = (value: JsonValue | undefined): void => {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        walk(value[i]);
        path.pop();
      }
    } else if (typeof value === "object" && value !== null) {
      for (const key in value) {
        const child = value[key];
        if (REFERENCE_KEYS.has(key) && isRef(child)) found.push({ segments: [...path, key], ref: child });
        else if (key === "backendRefs" && Array.isArray(child)) {
          child.forEach((item, i) => (isRef(item) ? found.push({ segments: [...path, key, i], ref: item }) : undefined));
        } else if (typeof child === "object" && child !== null) {
          path.push(key);
          walk(child);
          path.pop();
        }
      }
    }
  };
  walk(spec);
  return found;
}

function isRef(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) && typeof value.kind === "string";
}
