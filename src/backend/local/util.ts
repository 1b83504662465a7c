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
  // Checked without listing the keys: every stored record's labels are checked on its first read (50,000 at a plan).
  let previous: string | undefined;
  for (const key in record) {
    if (previous !== undefined && !(previous < key)) return sortedCopy(record);
    previous = key;
  }
  return record;
}

function sortedCopy(record: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) setOwn(out, key, record[key]);
  return out;
}

/** Whether an object has any key, without listing them. */
export function hasKeys(object: object): boolean {
  for (const _ in object) return true;
  return false;
}
