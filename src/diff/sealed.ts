/**
 * Comparing a resource that is still SOPS-encrypted (no key was given) with the control plane's: its ciphertext says
 * nothing about the plaintext, so each encrypted value is taken to be what the control plane holds, and everything
 * else is compared as usual. The result says "unchanged" or "changed" for the rest; the values themselves are
 * reported as unknown (src/diff/redact.ts marks them so in diffs).
 */
import { isJsonObject, type JsonObject, type JsonValue } from "../model/resource.js";
import { isEncryptedValue } from "../model/sealed.js";

/** `desired` with every encrypted value replaced by `live`'s value at the same place (dropped where live has none). */
export function withLiveForEncrypted(desired: JsonObject, live: JsonObject): JsonObject {
  return merge(desired, live) as JsonObject;
}

function merge(desired: JsonValue, live: JsonValue | undefined): JsonValue | undefined {
  if (isEncryptedValue(desired)) return live;
  if (Array.isArray(desired)) return desired.map((item, i) => merge(item, Array.isArray(live) ? live[i] : undefined) ?? null);
  if (!isJsonObject(desired)) return desired;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(desired)) {
    const merged = merge(value, isJsonObject(live) ? live[key] : undefined);
    if (merged !== undefined) out[key] = merged;
  }
  return out;
}
