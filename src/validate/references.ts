import type { JsonObject, JsonValue } from "../model/resource.js";
import { formatPath } from "../model/fieldPath.js";
import { isDataSource } from "../kuma/secretFields.js";

/** A reference from a policy to another resource: a targetRef, a backendRef or a mirror's backendRef. */
export interface Reference {
  /** Field path segments; format them only when reporting (most references are fine). */
  readonly segments: readonly (string | number)[];
  readonly ref: JsonObject;
}

export function referencePath(reference: Reference): string {
  return formatPath(reference.segments);
}

/** Every targetRef and backendRef in a spec, with its field path (`spec.to[0].targetRef`). */
export function referencesIn(spec: JsonValue | undefined): Reference[] {
  const found: Reference[] = [];
  walk(spec, ["spec"], found);
  return found;
}

/** A plain recursive function (no closure made per resource); `path` is the walk's own, copied for each reference. */
function walk(value: JsonValue | undefined, path: (string | number)[], found: Reference[]): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      walk(value[i], path, found);
      path.pop();
    }
  } else if (typeof value === "object" && value !== null) {
    for (const key in value) {
      const child = value[key];
      if ((key === "targetRef" || key === "backendRef") && isRef(child)) found.push({ segments: [...path, key], ref: child });
      else if (key === "backendRefs" && Array.isArray(child)) {
        for (let i = 0; i < child.length; i++) {
          const item = child[i];
          if (isRef(item)) found.push({ segments: [...path, key, i], ref: item });
        }
      } else if (typeof child === "object" && child !== null) {
        path.push(key);
        walk(child, path, found);
        path.pop();
      }
    }
  }
}

function isRef(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) && typeof value.kind === "string";
}

/**
 * The Secrets a resource names, each with the path of its name: Kuma's DataSource `{secret: name}` (a Mesh's provided
 * CA, a MeshGateway's or MeshExternalService's certificates, MeshOPA) and a SecureDataSource's `secretRef: {kind:
 * Secret, name}` (MeshIdentity). A Secret named so is read from the resource's own mesh.
 */
export function secretReferencesIn(object: JsonObject): { readonly name: string; readonly segments: readonly (string | number)[] }[] {
  const found: { name: string; segments: (string | number)[] }[] = [];
  visitSecretReferences(object, [], found);
  return found;
}

/** Like `walk`: one path pushed and popped, copied only for what is found (it runs on every node of every resource). */
function visitSecretReferences(value: JsonValue | undefined, path: (string | number)[], found: { name: string; segments: (string | number)[] }[]): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      visitSecretReferences(value[i], path, found);
      path.pop();
    }
  } else if (typeof value === "object" && value !== null) {
    if (typeof value.secret === "string" && value.secret !== "" && isDataSource(value)) found.push({ name: value.secret, segments: [...path, "secret"] });
    const ref = value.secretRef;
    if (isRef(ref) && ref.kind === "Secret" && typeof ref.name === "string" && ref.name !== "") found.push({ name: ref.name, segments: [...path, "secretRef", "name"] });
    for (const key in value) {
      const child = value[key];
      if (typeof child !== "object" || child === null) continue; // a scalar holds no reference
      path.push(key);
      visitSecretReferences(child, path, found);
      path.pop();
    }
  }
}
