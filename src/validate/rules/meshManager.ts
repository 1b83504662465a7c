/**
 * The Mesh manager's checks on create and update (`pkg/core/managers/apis/mesh/mesh_validator.go`
 * `ValidateMTLSBackends`, with the CA plugins' `ValidateBackend` from `pkg/plugins/ca/{builtin,provided}/manager.go`).
 * They run after the Mesh validator, against the CA plugins the control plane has installed. What needs the control
 * plane's secrets or files (loading a provided CA) is a warning that says so.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import type { Product } from "../../config/repoConfig.js";
import { goQuote } from "../../kuma/duration.js";
import type { Json } from "./json.js";
import { field, index, isSet, itemsOf, objectOf, prop, text, violation } from "./json.js";
import { isDNSName } from "./values.js";

/** CA plugins per product: Kuma ships builtin and provided; Kong Mesh adds Vault, ACM Private CA and cert-manager. */
const INSTALLED_CA_PLUGINS: Readonly<Record<Product, readonly string[]>> = {
  kuma: ["builtin", "provided"],
  "kong-mesh": ["builtin", "provided", "vault", "acmpca", "certmanager"],
};

/** `MaxBackendNameLength` of the builtin CA: the name of the secret holding its certificate. */
const MAX_BUILTIN_SECRET_NAME_LENGTH = 255;
const DATA_SOURCE_NOT_CHOSEN = "data source has to be chosen. Available sources: secret, file, inline";

export interface CheckResult {
  readonly violations: Violation[];
  readonly warnings: Violation[];
}

export function meshManagerChecks(mesh: JsonObject, product: Product): CheckResult {
  const result: CheckResult = { violations: [], warnings: [] };
  const mtls = objectOf(prop(mesh, "mtls"));
  const backendsPath = "mtls.backends";
  const meshName = text(prop(mesh, "name"));
  const skipValidation = prop(mtls, "skipValidation") === true;
  for (const [i, item] of itemsOf(prop(mtls, "backends")).entries()) {
    const backend = objectOf(item);
    const path = index(backendsPath, i);
    const type = text(prop(backend, "type"));
    if (!INSTALLED_CA_PLUGINS[product].includes(type)) {
      // The manager stops at the first backend without a plugin.
      result.violations.push(violation(field(path, "type"), "could not find installed plugin for this type"));
      return result;
    }
    if (skipValidation) continue;
    const confPath = field(path, "conf");
    const conf = objectOf(prop(backend, "conf"));
    if (type === "builtin") result.violations.push(...builtinBackendViolations(confPath, meshName, text(prop(backend, "name"))));
    else if (type === "provided") {
      const shape = providedConfigViolations(confPath, conf);
      result.violations.push(...shape);
      if (shape.length === 0) {
        result.warnings.push(
          violation(
            confPath,
            "the control plane loads this CA's certificate and key and checks that they are a valid CA key pair " +
              "(basic constraint CA, keyCertSign usage); meshops cannot read the control plane's secrets or files, so this is not checked offline",
          ),
        );
      }
    } else {
      result.warnings.push(
        violation(confPath, `Kong Mesh checks a ${type} CA backend against the CA itself when the Mesh is written; meshops cannot check it offline`),
      );
    }
  }
  return result;
}

/**
 * The builtin CA stores its certificate in a secret named after the mesh and the backend, which must be a valid
 * lowercase DNS name. The control plane reports these under the backend's `conf` with the path it built for itself
 * appended (`mtls.backends[0].conf.mtls.backends.name`).
 */
function builtinBackendViolations(confPath: string, meshName: string, backendName: string): Violation[] {
  const out: Violation[] = [];
  const secretName = `${meshName}.ca-builtin-cert-${backendName}`;
  const path = field(confPath, "mtls.backends.name");
  if (Buffer.byteLength(secretName, "utf8") > MAX_BUILTIN_SECRET_NAME_LENGTH) {
    out.push(violation(path, `Backend name is too long. Max length: ${MAX_BUILTIN_SECRET_NAME_LENGTH}`));
  }
  if (!isDNSName(secretName) || secretName !== secretName.toLowerCase()) out.push(violation(path, `${goQuote(backendName)} name must be valid dns name`));
  return out;
}

/** The provided CA needs a certificate and a key, each from a chosen data source. */
function providedConfigViolations(confPath: string, conf: JsonObject | undefined): Violation[] {
  return (["cert", "key"] as const).flatMap((name) => {
    const source = prop(conf, name);
    const path = field(confPath, name);
    return isSet(source) ? dataSourceViolations(path, source) : [violation(path, "has to be defined")];
  });
}

/**
 * `datasource.Validate` on a protobuf oneof: the first of `secret`, `file`, `inline`, `inlineString` that is present
 * (non-null) is the chosen source; an empty secret, file or inline value is refused.
 */
function dataSourceViolations(path: string, source: Json): Violation[] {
  const object = objectOf(source);
  const chosen = ["secret", "file", "inline", "inlineString"].find((name) => isSet(prop(object, name)));
  if (chosen === undefined) return [violation(path, DATA_SOURCE_NOT_CHOSEN)];
  if (chosen === "inlineString") return [];
  return text(prop(object, chosen)) === "" ? [violation(field(path, chosen), "cannot be empty")] : [];
}
