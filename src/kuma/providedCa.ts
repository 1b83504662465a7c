/**
 * A Mesh's provided CA backends and the Secrets they read (`pkg/plugins/ca/provided/manager.go`). The control plane
 * loads them whenever the Mesh is written (unless `mtls.skipValidation`), and a Secret is mesh-scoped, so it cannot
 * exist before its Mesh: Kuma's docs create the Mesh without the backend, then the Secrets, then the Mesh with it.
 */
import { isJsonObject, type JsonObject } from "../model/resource.js";

export interface ProvidedCaBackend {
  /** Its index in `mtls.backends`. */
  readonly index: number;
  readonly name: string;
  /** Secret names of its key and certificate, in the order the control plane loads them (key first). */
  readonly secrets: readonly { readonly field: "key" | "cert"; readonly secret: string }[];
}

/** The provided backends the control plane checks by loading their Secrets (none with `mtls.skipValidation`). */
export function providedCaBackends(mesh: JsonObject): ProvidedCaBackend[] {
  const mtls = isJsonObject(mesh.mtls) ? mesh.mtls : undefined;
  if (!mtls || mtls.skipValidation === true || !Array.isArray(mtls.backends)) return [];
  const out: ProvidedCaBackend[] = [];
  for (const [index, backend] of mtls.backends.entries()) {
    if (!isJsonObject(backend) || backend.type !== "provided") continue;
    const conf = isJsonObject(backend.conf) ? backend.conf : {};
    const secrets = (["key", "cert"] as const).flatMap((field) => {
      const source = conf[field];
      return isJsonObject(source) && typeof source.secret === "string" && source.secret !== "" ? [{ field, secret: source.secret }] : [];
    });
    if (secrets.length > 0) out.push({ index, name: typeof backend.name === "string" ? backend.name : "", secrets });
  }
  return out;
}

/** The Mesh without the named backends (and without `enabledBackend` when it names one): its first write. */
export function withoutBackends(mesh: JsonObject, names: ReadonlySet<string>): JsonObject {
  const mtls = isJsonObject(mesh.mtls) ? mesh.mtls : {};
  const backends = Array.isArray(mtls.backends) ? mtls.backends.filter((b) => !(isJsonObject(b) && typeof b.name === "string" && names.has(b.name))) : [];
  const { enabledBackend, backends: _all, ...rest } = mtls;
  const kept: JsonObject = { ...rest, ...(typeof enabledBackend === "string" && !names.has(enabledBackend) ? { enabledBackend } : {}), ...(backends.length > 0 ? { backends } : {}) };
  const { mtls: _mtls, ...meshRest } = mesh;
  return Object.keys(kept).length > 0 ? { ...meshRest, mtls: kept } : meshRest;
}
