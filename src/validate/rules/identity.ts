/**
 * The 2.12+ identity kinds and their neighbours, each from its `validator.go` under
 * `pkg/core/resources/apis/<type>/api/v1alpha1/`: MeshTrust, MeshIdentity, MeshOpenTelemetryBackend, Workload.
 * MeshZoneAddress has no validator (its schema is all there is).
 * MeshIdentity's `spiffeID.trustDomain` and `path` are Go text/template strings, parsed as the control plane parses
 * them (goTemplate.ts).
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import { checkDuration, MUST_BE_DEFINED, MUST_NOT_BE_EMPTY } from "./common.js";
import { field, index, isSet, itemsOf, objectOf, prop, text, violation } from "./json.js";
import { isDNSName, isGoIP, mustBeOneOf, oneOf } from "./values.js";
import { goTemplateError } from "./goTemplate.js";

const specOf = (resource: JsonObject): JsonObject | undefined => objectOf(prop(resource, "spec"));

/** `validators.MustBeOneOf`: `<value> must be one of: a, b`. */
const valueMustBeOneOf = (value: string, allowed: readonly string[]): string => `${value} must be one of: ${allowed.join(", ")}`;

/** `validators.ValidateLength`. */
function maxLength(path: string, limit: number, value: string): Violation[] {
  return new TextEncoder().encode(value).length > limit ? [violation(path, `must not be longer than ${limit} characters`)] : [];
}

// --- MeshTrust --------------------------------------------------------------------------------------------------------

export function meshTrustViolations(resource: JsonObject): Violation[] {
  const spec = specOf(resource);
  const out: Violation[] = [];
  const bundles = itemsOf(prop(spec, "caBundles"));
  if (bundles.length === 0) out.push(violation("spec.caBundles", MUST_NOT_BE_EMPTY));
  bundles.forEach((item, i) => {
    const bundle = objectOf(item);
    const type = text(prop(bundle, "type"));
    const at = index("spec.caBundles", i);
    if (type !== "Pem") {
      out.push(violation(field(at, "type"), valueMustBeOneOf(type, ["Pem"])));
      return;
    }
    const pem = objectOf(prop(bundle, "pem"));
    if (!pem) out.push(violation(field(at, "pem"), MUST_BE_DEFINED));
    else if (!isPemCertificate(text(prop(pem, "value")))) out.push(violation(field(at, "pem.value"), "provided certificate has incorrect format"));
  });
  const trustDomain = text(prop(spec, "trustDomain"));
  if (trustDomain === "") out.push(violation("spec.trustDomain", "trustDomain needs to be defined"));
  out.push(...maxLength("spec.trustDomain", 253, trustDomain));
  return out;
}

const PRIVATE_KEY_BLOCKS = new Set(["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY"]);

/**
 * `isPEMCertificate`: Go's `pem.Decode` finds the first well-formed block (BEGIN and matching END lines, base64 in
 * between, optional headers); anything but a private key counts as a certificate.
 */
export function isPemCertificate(value: string): boolean {
  const block = /-----BEGIN ([^\r\n-]*)-----\r?\n([\s\S]*?)-----END \1-----/.exec(value);
  if (!block) return false;
  const [, type = "", body = ""] = block;
  const base64 = body.replace(/^[^\r\n:]+:[^\r\n]*\r?\n/gm, "").replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) return false;
  return !PRIVATE_KEY_BLOCKS.has(type);
}

// --- MeshIdentity -----------------------------------------------------------------------------------------------------

const PROVIDER_TYPES = ["Bundled", "Spire", "Extension"];
const SECURE_DATA_SOURCE_TYPES = ["EnvVar", "InsecureInline", "File", "Secret"];

export function meshIdentityViolations(resource: JsonObject): Violation[] {
  const templates = spiffeIdViolations(objectOf(prop(specOf(resource), "spiffeID")));
  const provider = objectOf(prop(specOf(resource), "provider"));
  return provider ? [...templates, ...providerViolations(provider)] : templates;
}

/** `validateSPIFFEID`: each template parses (with the `label` function), checked only when set. */
function spiffeIdViolations(spiffeID: JsonObject | undefined): Violation[] {
  return ["trustDomain", "path"].flatMap((name) => {
    const template = text(prop(spiffeID, name));
    const error = template === "" ? undefined : goTemplateError(template);
    return error === undefined ? [] : [violation(`spec.spiffeID.${name}`, `couldn't parse template: ${error}`)];
  });
}

function providerViolations(provider: JsonObject): Violation[] {
  const path = "spec.provider";
  const type = text(prop(provider, "type"));
  switch (type) {
    case "Bundled":
      return bundledViolations(field(path, "bundled"), objectOf(prop(provider, "bundled")));
    case "Spire": {
      const spire = objectOf(prop(provider, "spire"));
      if (!spire) return [violation(field(path, "spire"), "configuration needs to be defined")];
      const agent = objectOf(prop(spire, "agent"));
      return agent ? checkDuration(field(path, "spire.agent.timeout"), prop(agent, "timeout"), "notNegative") : [];
    }
    case "Extension": {
      const extension = objectOf(prop(provider, "extension"));
      if (!extension) return [violation(field(path, "extension"), "configuration needs to be defined")];
      return text(prop(extension, "name")) === "" ? [violation(field(path, "extension.name"), "extension name needs to be defined")] : [];
    }
    default:
      return [violation(field(path, "type"), oneOf(type, "", "must be", PROVIDER_TYPES))];
  }
}

function bundledViolations(path: string, bundled: JsonObject | undefined): Violation[] {
  if (!bundled) return [violation(path, "configuration needs to be defined")];
  const out: Violation[] = [];
  const creation = prop(bundled, "meshTrustCreation");
  if (isSet(creation) && creation !== "Enabled" && creation !== "Disabled") {
    out.push(violation(field(path, "meshTrustCreation"), oneOf(text(creation), "", "must be", ["Enabled", "Disabled"])));
  }
  const ca = objectOf(prop(bundled, "ca"));
  if (prop(objectOf(prop(bundled, "autogenerate")), "enabled") === true) {
    if (ca) out.push(violation(field(path, "ca"), "shouldn't be defined once using autogenerated"));
  } else if (!ca) {
    out.push(violation(field(path, "ca"), MUST_BE_DEFINED));
  } else {
    for (const name of ["certificate", "privateKey"]) {
      const source = objectOf(prop(ca, name));
      if (!source) out.push(violation(field(path, `ca.${name}`), MUST_BE_DEFINED));
      else out.push(...secureDataSourceViolations(field(path, `ca.${name}`), source));
    }
  }
  const expiry = prop(objectOf(prop(bundled, "certificateParameters")), "expiry");
  if (isSet(expiry)) out.push(...checkDuration(field(path, "certificateParameters.expiry"), expiry, "notNegative"));
  return out;
}

/** `SecureDataSource.ValidateSecureDataSource` (api/common/v1alpha1/datasource). */
function secureDataSourceViolations(path: string, source: JsonObject): Violation[] {
  const type = text(prop(source, "type"));
  const nested = (name: string, key: string): Violation[] => {
    const value = objectOf(prop(source, name));
    if (!value) return [violation(field(path, name), MUST_BE_DEFINED)];
    return text(prop(value, key)) === "" ? [violation(field(path, `${name}.${key}`), MUST_BE_DEFINED)] : [];
  };
  switch (type) {
    case "EnvVar":
      return nested("envVar", "name");
    case "InsecureInline":
      return nested("insecureInline", "value");
    case "File": {
      const missing = nested("file", "path");
      if (missing.length > 0) return missing;
      const problem = filePathProblem(text(prop(objectOf(prop(source, "file")), "path")));
      return problem ? [violation(field(path, "file.path"), problem)] : [];
    }
    case "Secret": {
      const ref = objectOf(prop(source, "secretRef"));
      if (!ref) return [violation(field(path, "secretRef"), MUST_BE_DEFINED)];
      const out: Violation[] = [];
      const kind = text(prop(ref, "kind"));
      if (kind !== "Secret") out.push(violation(field(path, "secretRef.kind"), valueMustBeOneOf(kind, ["Secret"])));
      if (text(prop(ref, "name")) === "") out.push(violation(field(path, "secretRef.name"), MUST_BE_DEFINED));
      return out;
    }
    default:
      return [violation(field(path, "type"), valueMustBeOneOf(type, SECURE_DATA_SOURCE_TYPES))];
  }
}

/** `validateFilePath`: absolute, and no `..`. */
function filePathProblem(path: string): string | undefined {
  if (path.includes("..")) return `file path contains directory traversal sequence: ${path}`;
  if (!path.startsWith("/")) return `file path must be absolute: ${path}`;
  return undefined;
}

// --- MeshOpenTelemetryBackend -----------------------------------------------------------------------------------------

const OTEL_PROTOCOLS = ["grpc", "http"];
const ENV_MODES = ["Disabled", "Optional", "Required"];
const ENV_PRECEDENCES = ["ExplicitFirst", "EnvFirst"];

export function meshOpenTelemetryBackendViolations(resource: JsonObject): Violation[] {
  const spec = specOf(resource);
  const out: Violation[] = [];
  const protocol = isSet(prop(spec, "protocol")) ? text(prop(spec, "protocol")) : "grpc";
  const endpoint = objectOf(prop(spec, "endpoint"));
  if (endpoint) {
    const address = prop(endpoint, "address");
    if (typeof address === "string") {
      if (address === "") out.push(violation("spec.endpoint.address", MUST_NOT_BE_EMPTY));
      else if (!isGoIP(address) && !isDNSName(address)) out.push(violation("spec.endpoint.address", "address has to be a valid IP or hostname"));
    }
    const port = prop(endpoint, "port");
    if (typeof port === "number" && (port === 0 || port > 65535 || port < 0)) out.push(violation("spec.endpoint.port", "port must be in the range [1, 65535]"));
    const path = prop(endpoint, "path");
    if (typeof path === "string" && path !== "") {
      if (protocol === "grpc" || protocol === "") out.push(violation("spec.endpoint.path", "must not be set when protocol is grpc"));
      else {
        if (!path.startsWith("/")) out.push(violation("spec.endpoint.path", "must start with /"));
        if (/[?#]/.test(path)) out.push(violation("spec.endpoint.path", "must not contain query or fragment"));
      }
    }
  }
  if (protocol !== "" && !OTEL_PROTOCOLS.includes(protocol)) out.push(violation("spec.protocol", mustBeOneOf("protocol", OTEL_PROTOCOLS)));
  const env = objectOf(prop(spec, "env"));
  const mode = text(prop(env, "mode"));
  if (mode !== "" && !ENV_MODES.includes(mode)) out.push(violation("spec.env.mode", mustBeOneOf("mode", ENV_MODES)));
  const precedence = text(prop(env, "precedence"));
  if (precedence !== "" && !ENV_PRECEDENCES.includes(precedence)) out.push(violation("spec.env.precedence", mustBeOneOf("precedence", ENV_PRECEDENCES)));
  return out;
}

// --- Workload ---------------------------------------------------------------------------------------------------------

/** Its display name (the Kubernetes name, else the name) is at most 253 characters. */
export function workloadViolations(resource: JsonObject): Violation[] {
  const labels = objectOf(prop(resource, "labels"));
  const displayName = text(prop(labels, "kuma.io/display-name")) || text(prop(resource, "name"));
  return maxLength("name", 253, displayName);
}

