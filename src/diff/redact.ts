/**
 * Secret material never appears in a diff or a rendered object. A plan is posted as a pull-request comment, printed
 * in CI logs and shown on the status page; an inline certificate key, a token or a Secret's value in any of them is a
 * leak. Not even a digest is shown (a short hash of a weak password can be guessed offline): each secret value becomes
 * a fixed marker, and a diff says only whether it changed.
 *
 * Only what is shown is redacted: comparison runs on the real values, so changing a secret is still a change.
 */
import type { JsonObject, JsonValue } from "../model/resource.js";
import { isJsonObject as isObject } from "../model/resource.js";
import { isSecretType } from "../kuma/types.js";
import { isEncryptedValue } from "../secrets/sops.js";
import { isGoBase64 } from "../util/base64.js";

/** Shown for a secret value (on both sides of a diff when it did not change). */
export const REDACTED = "(redacted)";
/** Shown on the new side of a diff for a secret value that differs from the old side. */
export const REDACTED_CHANGED = "(redacted, changed)";
/** Shown for a value still encrypted (SOPS) because no key was given: whether it changed is not known. */
export const REDACTED_UNKNOWN = "(encrypted; unknown without the SOPS key)";

/**
 * Keys whose value is secret wherever they appear: Secret `data` (and a Kubernetes Secret's `stringData`, as written)
 * and the inline forms of Kuma's DataSource.
 */
const ALWAYS_SECRET = new Set(["data", "stringData", "inline", "inlineString", "inlineBytes"]);

/** Keys holding credentials: redacted unless their value is a DataSource (a reference by name or file is no secret). */
const CREDENTIAL_KEYS = new Set(["token", "password"]);

/** Kuma's DataSource (`{secret, file, inline, inlineString}`, plus the `inlineBytes` and `env` spellings some types use). */
const DATA_SOURCE_KEYS = new Set(["secret", "file", "inline", "inlineString", "inlineBytes", "env"]);

/** Sibling fields that mark an object as TLS material, whose `key` is then a private key. */
const CERTIFICATE_KEYS = new Set(["cert", "certificate", "crt", "certs", "certificates", "caCert", "clientCert"]);

/** A copy of the object with every secret value (and every SOPS ciphertext) replaced by `REDACTED`. */
export function redact(object: JsonObject): JsonObject {
  return redactObject(object, undefined, undefined);
}

/**
 * Both sides of a diff, redacted: a secret value that differs between them shows as `REDACTED_CHANGED` on the `after`
 * side, one still encrypted as `REDACTED_UNKNOWN`, so the diff says "changed", "unchanged" or "unknown", and nothing else.
 */
export function redactPair(before: JsonObject | undefined, after: JsonObject | undefined): { before?: JsonObject; after?: JsonObject } {
  return {
    ...(before ? { before: redact(before) } : {}),
    ...(after ? { after: redactObject(after, undefined, before ?? MISSING) } : {}),
  };
}

/** Stands for "no old side at all" (a create): every secret of the new side is then simply redacted. */
const MISSING: JsonObject = {};

/**
 * Whether the value at `path` of `document` (a resource or a document as written, either shape) is one `redact` hides:
 * at or under a secret field, or still SOPS ciphertext. For messages about a field, which may then say what is wrong
 * with the value but not what it is.
 */
export function isSecretPath(document: JsonValue, path: readonly (string | number)[]): boolean {
  let value: JsonValue | undefined = document;
  let parentKey: string | undefined;
  for (const segment of path) {
    if (value === undefined || isEncryptedValue(value)) return value !== undefined;
    if (Array.isArray(value)) {
      value = typeof segment === "number" ? value[segment] : undefined; // an item keeps its list's key, as in redactValue
      continue;
    }
    if (!isObject(value)) return false;
    const key = String(segment);
    const child: JsonValue | undefined = value[key];
    if (child === undefined) return false;
    if (isSecretField(key, child, isSecretObject(value, parentKey), isTlsObject(value, parentKey))) return true;
    parentKey = key;
    value = child;
  }
  return value !== undefined && isEncryptedValue(value);
}

/**
 * The spellings of every value `redact` hides in the object (Secret values, inline keys), longest first, for cutting
 * them out of a text that may quote the object: each as it is, as JSON writes it inside a string (a PEM key's line
 * breaks), and, when it is base64, the text it decodes to.
 */
export function secretSpellingsOf(object: JsonObject): string[] {
  const found = new Set<string>();
  const add = (text: string) => {
    for (const spelling of [text, JSON.stringify(text).slice(1, -1)]) if (spelling !== "") found.add(spelling);
    const compact = text.replace(/[\r\n]/g, "");
    if (compact !== "" && isGoBase64(compact)) {
      const decoded = Buffer.from(compact, "base64").toString("utf8");
      if (decoded !== "" && !decoded.includes("\uFFFD")) for (const spelling of [decoded, JSON.stringify(decoded).slice(1, -1)]) found.add(spelling);
    }
  };
  const collect = (value: JsonValue): void => {
    if (typeof value === "string") add(value);
    else if (typeof value === "number" || typeof value === "boolean") add(String(value));
    else if (Array.isArray(value)) value.forEach(collect);
    else if (isObject(value)) Object.values(value).forEach(collect);
  };
  const walk = (value: JsonValue | undefined, shown: JsonValue | undefined): void => {
    if (value === undefined) return;
    if (shown === REDACTED && value !== REDACTED) collect(value);
    else if (Array.isArray(value) && Array.isArray(shown)) value.forEach((v, i) => walk(v, shown[i]));
    else if (isObject(value) && isObject(shown)) for (const [k, v] of Object.entries(value)) walk(v, shown[k]);
  };
  walk(object, redact(object));
  return [...found].sort((a, b) => b.length - a.length);
}

/** `other` is the value at the same place on the old side of a diff (undefined: not comparing). */
function redactValue(value: JsonValue, parentKey: string | undefined, other: JsonValue | undefined, comparing: boolean): JsonValue {
  if (isEncryptedValue(value)) return comparing ? REDACTED_UNKNOWN : REDACTED;
  if (Array.isArray(value)) return value.map((item, i) => redactValue(item, parentKey, Array.isArray(other) ? other[i] : undefined, comparing)); // `keys: [{key: ...}]` keeps its context
  if (isObject(value)) return redactObject(value, parentKey, comparing ? (isObject(other) ? other : MISSING) : undefined);
  return value;
}

function redactObject(object: JsonObject, parentKey: string | undefined, other: JsonObject | undefined): JsonObject {
  const secretObject = isSecretObject(object, parentKey);
  const tlsObject = isTlsObject(object, parentKey);
  const comparing = other !== undefined && other !== MISSING;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    const before = comparing ? other[key] : undefined;
    if (isSecretField(key, value, secretObject, tlsObject)) out[key] = marker(value, before, comparing);
    else out[key] = redactValue(value, key, before, comparing);
  }
  return out;
}

function marker(value: JsonValue, before: JsonValue | undefined, comparing: boolean): string {
  if (!comparing) return REDACTED;
  if (containsEncrypted(value)) return REDACTED_UNKNOWN;
  if (comparing && before !== undefined && !sameJson(value, before)) return REDACTED_CHANGED;
  return REDACTED;
}

function containsEncrypted(value: JsonValue): boolean {
  if (isEncryptedValue(value)) return true;
  if (Array.isArray(value)) return value.some(containsEncrypted);
  return isObject(value) && Object.values(value).some(containsEncrypted);
}

function sameJson(a: JsonValue, b: JsonValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
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
  return (typeof object.type === "string" && isSecretType(object.type)) || (typeof object.kind === "string" && isSecretType(object.kind));
}

function isTlsObject(object: JsonObject, parentKey: string | undefined): boolean {
  if (parentKey !== undefined && (/tls/i.test(parentKey) || parentKey === "keys")) return true;
  return Object.keys(object).some((k) => CERTIFICATE_KEYS.has(k));
}

/** A reference to secret material (a Secret's name, a file path) with at most inline parts, which are redacted on their own. */
export function isDataSource(value: JsonValue): boolean {
  return isObject(value) && Object.keys(value).length > 0 && Object.keys(value).every((k) => DATA_SOURCE_KEYS.has(k));
}
