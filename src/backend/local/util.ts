/**
 * Small JSON helpers shared by the embedded control plane's modules. Label and tag maps take any key, so writes go
 * through `setOwn` (safe for `__proto__`) and reads through `own` (no inherited properties).
 */
import { setOwn, type JsonObject, type JsonValue } from "../../model/resource.js";

export { asJsonObject as asObject, setOwn } from "../../model/resource.js";

export function own(object: JsonObject, key: string): JsonValue | undefined {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

export function clone<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

export function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) setOwn(out, key, record[key]);
  return out;
}
