/**
 * Small JSON helpers shared by the embedded control plane's modules. Label and tag maps take any key, so writes go
 * through `setOwn` (safe for `__proto__`) and reads through `own` (no inherited properties).
 */
import type { JsonObject, JsonValue } from "../../model/resource.js";

export { asJsonObject as asObject } from "../../model/resource.js";

export function own(object: JsonObject, key: string): JsonValue | undefined {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

/** `object[key] = value` that is safe for keys such as `__proto__` (label and tag maps take any key). */
export function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

export function clone<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

export function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) setOwn(out, key, record[key]);
  return out;
}
