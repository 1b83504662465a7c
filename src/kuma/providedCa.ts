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

/**
 * The Secrets each mTLS backend of Mesh `meshName` uses, as its CA manager's UsedSecrets lists them: a provided CA's
 * certificate and key Secrets (whatever `skipValidation` says), a builtin CA's `<mesh>.ca-builtin-cert-<backend>` and
 * `<mesh>.ca-builtin-key-<backend>` (`pkg/plugins/ca/{provided,builtin}/manager.go`). The control plane refuses to
 * delete a Secret a backend of its Mesh uses (kumahq/kuma `pkg/core/secrets/manager/validator.go`, ValidateDelete).
 */
export function secretsInUse(mesh: JsonObject, meshName: string): { readonly backend: string; readonly secrets: readonly string[] }[] {
  const mtls = isJsonObject(mesh.mtls) ? mesh.mtls : undefined;
  if (!mtls || !Array.isArray(mtls.backends)) return [];
  return mtls.backends.flatMap((backend) => {
    if (!isJsonObject(backend) || typeof backend.name !== "string") return [];
    const name = backend.name;
    if (backend.type === "builtin") return [{ backend: name, secrets: [`${meshName}.ca-builtin-cert-${name}`, `${meshName}.ca-builtin-key-${name}`] }];
    if (backend.type !== "provided") return [];
    const conf = isJsonObject(backend.conf) ? backend.conf : {};
    const secrets = (["cert", "key"] as const).flatMap((field) => {
      const source = conf[field];
      return isJsonObject(source) && typeof source.secret === "string" && source.secret !== "" ? [source.secret] : [];
    });
    return [{ backend: name, secrets }];
  });
}
