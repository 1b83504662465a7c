/**
 * Which values of a resource are secret, wherever they are shown: a Secret's value, the inline forms of Kuma's
 * DataSource, credentials, private keys written next to their certificate, and any value still SOPS ciphertext. A plan
 * is posted as a pull-request comment, printed in CI logs and shown on the status page; an inline certificate key, a
 * token or a Secret's value in any of them is a leak. Not even a digest is shown (a short hash of a weak password can
 * be guessed offline): each secret value becomes a fixed marker.
 *
 * Knowledge only: the parser's and validation's messages (`isSecretPath`), the HTTP client's error texts
 * (`secretSpellingsOf`), `render` and the differ (`redact`, and diff/redact.ts's comparing marks through `hideSecrets`)
 * all ask here, so they cannot disagree on what is secret. Only what is shown is redacted: comparison runs on the real
 * values, so changing a secret is still a change.
 */
import type { JsonObject, JsonValue } from "../model/resource.js";
import { isJsonObject as isObject } from "../model/resource.js";
import { isEncryptedValue } from "../model/sealed.js";
import { isGoBase64 } from "./base64.js";
import { isSecretType } from "./types.js";

/** Shown for a secret value. */
export const REDACTED = "(redacted)";
/** Stands for a secret's text (or what it reads as) in a message about it. */
export const SECRET_NOT_SHOWN = "(secret: not shown)";

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

/**
 * What stands in for a hidden value. `comparing` says whether another object is walked alongside at this place (the
 * old side of a diff), and `before` is its value there (undefined: none).
 */
export interface SecretMarks {
  /** The whole value of a secret field. */
  readonly field: (value: JsonValue, before: JsonValue | undefined, comparing: boolean) => JsonValue;
  /** SOPS ciphertext outside a secret field. */
  readonly sealed: (comparing: boolean) => JsonValue;
}

const PLAIN: SecretMarks = { field: () => REDACTED, sealed: () => REDACTED };

/** A copy of the object with every secret value (and every SOPS ciphertext) replaced by `REDACTED`. */
export function redact(object: JsonObject): JsonObject {
  return hideInObject(object, undefined, undefined, PLAIN);
}

/**
 * A copy of the object with every secret value and every SOPS ciphertext replaced by what `marks` makes of it, `other`
 * (when given) walked alongside so that each mark can compare with the value at the same place.
 */
export function hideSecrets(object: JsonObject, marks: SecretMarks, other?: JsonObject): JsonObject {
  return hideInObject(object, undefined, other, marks);
}

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
      value = typeof segment === "number" ? value[segment] : undefined; // an item keeps its list's key, as in hideInValue
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

/** A reference to secret material (a Secret's name, a file path) with at most inline parts, which are redacted on their own. */
export function isDataSource(value: JsonValue): boolean {
  return isObject(value) && Object.keys(value).length > 0 && Object.keys(value).every((k) => DATA_SOURCE_KEYS.has(k));
}

/** `other` is the value at the same place of the object walked alongside (undefined: none there). */
function hideInValue(value: JsonValue, parentKey: string | undefined, other: JsonValue | undefined, comparing: boolean, marks: SecretMarks): JsonValue {
  if (isEncryptedValue(value)) return marks.sealed(comparing);
  if (Array.isArray(value)) return value.map((item, i) => hideInValue(item, parentKey, Array.isArray(other) ? other[i] : undefined, comparing, marks)); // `keys: [{key: ...}]` keeps its context
  if (isObject(value)) return hideInObject(value, parentKey, comparing && isObject(other) ? other : undefined, marks);
  return value;
}

/** `other`: the object at the same place of the one walked alongside; undefined when not comparing, or none is there. */
function hideInObject(object: JsonObject, parentKey: string | undefined, other: JsonObject | undefined, marks: SecretMarks): JsonObject {
  const secretObject = isSecretObject(object, parentKey);
  const tlsObject = isTlsObject(object, parentKey);
  const comparing = other !== undefined;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    const before = other?.[key];
    if (isSecretField(key, value, secretObject, tlsObject)) out[key] = marks.field(value, before, comparing);
    else out[key] = hideInValue(value, key, before, comparing, marks);
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
  return (typeof object.type === "string" && isSecretType(object.type)) || (typeof object.kind === "string" && isSecretType(object.kind));
}

function isTlsObject(object: JsonObject, parentKey: string | undefined): boolean {
  if (parentKey !== undefined && (/tls/i.test(parentKey) || parentKey === "keys")) return true;
  return Object.keys(object).some((k) => CERTIFICATE_KEYS.has(k));
}
