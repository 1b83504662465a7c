/**
 * Secret material never appears in a diff. A plan is posted as a pull-request comment, printed in CI logs and shown on
 * the status page; an inline certificate key or a token in any of them is a leak. Each secret value is replaced by a
 * short digest of itself, so a change is still visible (the digest changes) but not its content.
 *
 * Only what is shown is redacted: comparison runs on the real values, so changing a secret is still a change.
 */
import { createHash } from "node:crypto";
import type { JsonObject, JsonValue } from "../model/resource.js";
import { isJsonObject as isObject } from "../model/resource.js";

/** Keys whose value is secret wherever they appear: Secret `data` and the inline forms of Kuma's DataSource. */
const ALWAYS_SECRET = new Set(["data", "inline", "inlineString", "inlineBytes"]);

/** Keys holding credentials: redacted unless their value is a DataSource (a reference by name or file is no secret). */
const CREDENTIAL_KEYS = new Set(["token", "password"]);

/** Kuma's DataSource (`{secret, file, inline, inlineString}`, plus the `inlineBytes` and `env` spellings some types use). */
const DATA_SOURCE_KEYS = new Set(["secret", "file", "inline", "inlineString", "inlineBytes", "env"]);

/** Sibling fields that mark an object as TLS material, whose `key` is then a private key. */
const CERTIFICATE_KEYS = new Set(["cert", "certificate", "crt", "certs", "certificates", "caCert", "clientCert"]);

const SECRET_TYPES = new Set(["Secret", "GlobalSecret"]);

/** `(redacted, sha256:<first 12 hex digits>)` of the value (its text, or its JSON for anything but a string). */
export function redactedValue(value: JsonValue): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return `(redacted, sha256:${createHash("sha256").update(text, "utf8").digest("hex").slice(0, 12)})`;
}

/** A copy of the object with every secret value replaced by `redactedValue`. */
export function redact(object: JsonObject): JsonObject {
  return redactObject(object, undefined);
}

function redactValue(value: JsonValue, parentKey: string | undefined): JsonValue {
  if (Array.isArray(value)) return value.map((item) => redactValue(item, parentKey)); // `keys: [{key: ...}]` keeps its context
  if (isObject(value)) return redactObject(value, parentKey);
  return value;
}

function redactObject(object: JsonObject, parentKey: string | undefined): JsonObject {
  const secretObject = isSecretObject(object, parentKey);
  const tlsObject = isTlsObject(object, parentKey);
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    if (isSecretField(key, value, secretObject, tlsObject)) out[key] = redactedValue(value);
    else out[key] = redactValue(value, key);
  }
  return out;
}

function isSecretField(key: string, value: JsonValue, secretObject: boolean, tlsObject: boolean): boolean {
  if (ALWAYS_SECRET.has(key)) return true;
  // The value of a Secret (`{type: Secret, data}` or a `secret: {value}` object).
  if (key === "value" && secretObject) return true;
  if (CREDENTIAL_KEYS.has(key)) return !isDataSource(value);
  // A private key written inline next to its certificate, or in a `keys` list; `key` is also an ordinary field name
  // (`{key, value}` pairs of access-log formats and tracing attributes), so only in those objects.
  if (key === "key" && tlsObject) return !isDataSource(value);
  if ((key === "privateKey" || key === "clientKey") && typeof value === "string") return true;
  return false;
}

function isSecretObject(object: JsonObject, parentKey: string | undefined): boolean {
  if (parentKey === "secret" || parentKey === "Secret") return true;
  return (typeof object.type === "string" && SECRET_TYPES.has(object.type)) || (typeof object.kind === "string" && SECRET_TYPES.has(object.kind));
}

function isTlsObject(object: JsonObject, parentKey: string | undefined): boolean {
  if (parentKey !== undefined && (/tls/i.test(parentKey) || parentKey === "keys")) return true;
  return Object.keys(object).some((k) => CERTIFICATE_KEYS.has(k));
}

/** A reference to secret material (a Secret's name, a file path) with at most inline parts, which are redacted on their own. */
function isDataSource(value: JsonValue): boolean {
  return isObject(value) && Object.keys(value).length > 0 && Object.keys(value).every((k) => DATA_SOURCE_KEYS.has(k));
}

