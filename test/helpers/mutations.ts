/** Test inputs for "rules are total": copies of a JSON value with one value, at any depth, replaced by odd ones. */
import type { JsonObject, JsonValue } from "../../src/model/resource.js";

/** Copies of `root` with one value (at any depth below the root) replaced by each of `replacements`. */
export function* mutations(root: JsonObject, replacements: readonly JsonValue[]): Generator<JsonObject> {
  const paths: (string | number)[][] = [];
  const walk = (value: JsonValue, path: (string | number)[]): void => {
    paths.push(path);
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, [...path, i]));
    else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(root, []);
  for (const path of paths.slice(1)) {
    for (const replacement of replacements) {
      const copy = structuredClone(root) as JsonValue;
      let parent = copy as Record<string | number, JsonValue>;
      for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<string | number, JsonValue>;
      parent[path[path.length - 1] as string | number] = replacement;
      yield copy as JsonObject;
    }
  }
}
