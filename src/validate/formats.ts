import type { Options } from "ajv/dist/2020.js";
import { parseGoDurationDetailed } from "../kuma/duration.js";

const INT32_RANGE = [-(2 ** 31), 2 ** 31 - 1] as const;
const INT64_RANGE = [-(2 ** 63), 2 ** 63 - 1] as const;
/** Go's encoding/json decodes []byte with padded standard base64; line breaks are ignored by the decoder. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const inRange = ([min, max]: readonly [number, number]) => (n: number) => Number.isInteger(n) && n >= min && n <= max;

/** The string formats the schemas use. Shared by run-time compilation and the build-time (standalone) validators. */
export const FORMATS = {
  // Exactly Go's time.ParseDuration (a port of it), which is what metav1.Duration uses on the control plane.
  duration: { type: "string", validate: (text: string) => parseGoDurationDetailed(text).ok },
  int32: { type: "number", validate: inRange(INT32_RANGE) },
  int64: { type: "number", validate: inRange(INT64_RANGE) },
  byte: { type: "string", validate: (text: string) => BASE64.test(text.replace(/[\r\n]/g, "")) },
} as const;

/**
 * One set of ajv options for both ways of getting a validator, so they cannot disagree.
 * verbose: errors carry the failing schema and data, which the messages need (known sibling fields, the bad value).
 */
export const AJV_OPTIONS: Options = { strict: true, allErrors: true, verbose: true, allowUnionTypes: true, formats: FORMATS };
