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

/** The record with its keys sorted: itself when they are already (stored labels are: computeLabels sorts them). */
export function sortedRecord(record: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const keys = Object.keys(record);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = (keys[i - 1] as string) < (keys[i] as string);
  if (sorted) return record;
  const out: Record<string, string> = {};
  for (const key of keys.sort()) setOwn(out, key, record[key]);
  return out;
}
