/**
 * Secret values in a diff: what is secret is kuma/secretFields.ts' to say; a diff adds only whether each one changed.
 * Both sides are redacted, and a secret value that differs shows as `REDACTED_CHANGED` on the new side, one still
 * SOPS-encrypted as `REDACTED_UNKNOWN`, so a diff says "changed", "unchanged" or "unknown", and nothing else.
 */
import type { JsonObject, JsonValue } from "../model/resource.js";
import { isJsonObject as isObject } from "../model/resource.js";
import { isEncryptedValue } from "../model/sealed.js";
import { REDACTED, hideSecrets, redact, type SecretMarks } from "../kuma/secretFields.js";

/** Shown on the new side of a diff for a secret value that differs from the old side. */
export const REDACTED_CHANGED = "(redacted, changed)";
/** Shown for a value still encrypted (SOPS) because no key was given: whether it changed is not known. */
export const REDACTED_UNKNOWN = "(encrypted; unknown without the SOPS key)";

/**
 * Both sides of a diff, redacted: a secret value that differs between them shows as `REDACTED_CHANGED` on the `after`
 * side, one still encrypted as `REDACTED_UNKNOWN`. A create (no `before`) has nothing to compare with: its secrets are
 * simply redacted.
 */
export function redactPair(before: JsonObject | undefined, after: JsonObject | undefined): { before?: JsonObject; after?: JsonObject } {
  return {
    ...(before ? { before: redact(before) } : {}),
    ...(after ? { after: before ? hideSecrets(after, COMPARED, before) : redact(after) } : {}),
  };
}

const COMPARED: SecretMarks = {
  field: (value, before, comparing) => {
    if (!comparing) return REDACTED;
    if (containsEncrypted(value)) return REDACTED_UNKNOWN;
    if (before !== undefined && !sameJson(value, before)) return REDACTED_CHANGED;
    return REDACTED;
  },
  sealed: (comparing) => (comparing ? REDACTED_UNKNOWN : REDACTED),
};

function containsEncrypted(value: JsonValue): boolean {
  if (isEncryptedValue(value)) return true;
  if (Array.isArray(value)) return value.some(containsEncrypted);
  return isObject(value) && Object.values(value).some(containsEncrypted);
}

function sameJson(a: JsonValue, b: JsonValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
