/** A field path as segments: map keys and sequence indexes. */
export type PathSegments = readonly (string | number)[];

const SIMPLE_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Formats segments the way the control plane reports fields: `spec.to[0].default.idleTimeout`, `labels["kuma.io/mesh"]`. */
export function formatPath(segments: PathSegments): string {
  let out = "";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (SIMPLE_KEY.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * Parses a reported path back into segments. Dotted keys are ambiguous (`labels.kuma.io/mesh`), so the locator that
 * consumes them joins segments again when a key is not found.
 */
export function parsePath(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  const pattern = /\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|([^.[\]]+)/g;
  for (const match of path.matchAll(pattern)) {
    if (match[1] !== undefined) segments.push(Number(match[1]));
    else if (match[2] !== undefined) segments.push(JSON.parse(`"${match[2]}"`) as string);
    else if (match[3] !== undefined) segments.push(match[3]);
  }
  return segments;
}

/**
 * The path of the field a control-plane violation is about, for locating it in the document. Some validators report
 * paths that do not exist as written, and these are mapped back:
 * - MeshRetry wraps each `default` in a `conf` it reports (`spec.to[0].default.conf.http.numRetries`);
 * - the Mesh's logging and tracing backends report their `conf` as `config`;
 * - the builtin CA appends its own path to the backend's (`mtls.backends[0].conf.mtls.backends.name` is the backend's
 *   `name`).
 */
export function fieldOf(path: string): PathSegments {
  let field = fieldsSeen.get(path);
  if (field === undefined) {
    if (fieldsSeen.size >= FIELDS_KEPT) fieldsSeen.clear();
    field = Object.freeze(mapToField(parsePath(path)));
    fieldsSeen.set(path, field);
  }
  return field;
}

/**
 * A key under which two reports of one field compare equal: a schema error names a dotted map key dot-joined
 * (`match.kuma.io/service`, as kube-openapi does), a validator bracketed (`match["kuma.io/service"]`).
 */
export function fieldKey(path: string): string {
  return fieldOf(path).join(".");
}

/**
 * Paths seen before: a rule reports the same few paths (`spec.from`, `spec.targetRef.kind`) for thousands of
 * resources, each of which is located. Bounded, so a long-running process does not grow without end.
 */
const fieldsSeen = new Map<string, PathSegments>();
const FIELDS_KEPT = 10_000;

function mapToField(segments: readonly (string | number)[]): (string | number)[] {
  const out: (string | number)[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    const previous = out[out.length - 1];
    if (segment === "conf" && previous === "default") continue;
    if (segment === "config" && typeof previous === "number" && out[out.length - 2] === "backends") {
      out.push("conf");
      continue;
    }
    if (segment === "conf" && segments[i + 1] === "mtls" && segments[i + 2] === "backends" && segments[i + 3] === "name") {
      out.push("name");
      break;
    }
    out.push(segment as string | number);
  }
  return out;
}
