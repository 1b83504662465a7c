import { createRequire } from "node:module";
import type { Ajv2020, Options } from "ajv/dist/2020.js";
import type * as AjvModule from "ajv/dist/2020.js";
import { parseGoDurationDetailed } from "../kuma/duration.js";
import { isGoBase64 } from "../kuma/base64.js";

/** A duration time.ParseDuration takes for certain: up to six digits and one of its units. */
const SIMPLE_DURATION = /^[0-9]{1,6}(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h)$/;


/**
 * The Go integer types behind schema fields (scripts/go-decode-rules.mjs writes `format: <Go type>`): bit size and
 * signedness. Go's `int` and `uint` are 64 bits on the control plane's platforms.
 */
export const GO_INTEGER_TYPES = {
  int8: { bits: 8, signed: true },
  int16: { bits: 16, signed: true },
  int32: { bits: 32, signed: true },
  int64: { bits: 64, signed: true },
  int: { bits: 64, signed: true },
  uint8: { bits: 8, signed: false },
  uint16: { bits: 16, signed: false },
  uint32: { bits: 32, signed: false },
  uint64: { bits: 64, signed: false },
  uint: { bits: 64, signed: false },
} as const;
export type GoIntegerType = keyof typeof GO_INTEGER_TYPES;

/**
 * What Go's JSON decoder accepts for the type: an integral number in range. The upper bound is exclusive and written
 * as a power of two, so that 2^63 and 2^64, which a double cannot tell from the largest valid values, are rejected.
 * An unsigned type also refuses -0 (isNegativeZero): strconv.ParseUint takes no sign, strconv.ParseInt takes `-0` as 0.
 */
function decodesAs({ bits, signed }: { bits: number; signed: boolean }) {
  const lowest = signed ? -(2 ** (bits - 1)) : 0;
  const beyond = signed ? 2 ** (bits - 1) : 2 ** bits;
  return signed ? (n: number) => Number.isInteger(n) && n >= lowest && n < beyond : (n: number) => Number.isInteger(n) && n >= lowest && n < beyond && !isNegativeZero(n);
}

/**
 * The float -0: YAML's `-0.0` as go-yaml reads it (`-0` is the integer 0), which Go's json.Marshal writes as `-0`, so
 * kumactl sends it with its sign. JSON.stringify writes it as 0.
 */
export function isNegativeZero(value: unknown): boolean {
  return value === 0 && 1 / value === -Infinity;
}

const integerFormats = Object.fromEntries(
  Object.entries(GO_INTEGER_TYPES).map(([name, size]) => [name, { type: "number" as const, validate: decodesAs(size) }]),
) as Record<GoIntegerType, { type: "number"; validate: (n: number) => boolean }>;

/** The formats the schemas use. Shared by run-time compilation and the build-time (standalone) validators. */
export const FORMATS = {
  // Exactly Go's time.ParseDuration (a port of it), which is what metav1.Duration uses on the control plane. Most
  // durations are one number and a unit: those are valid without the exact parse (BigInt arithmetic), as six digits of
  // any unit cannot overflow.
  duration: { type: "string", validate: (text: string) => SIMPLE_DURATION.test(text) || parseGoDurationDetailed(text).ok },
  byte: { type: "string", validate: isGoBase64 },
  ...integerFormats,
} as const;

/**
 * One set of ajv options for both ways of getting a validator, so they cannot disagree.
 * verbose: errors carry the failing schema and data, which the messages need (known sibling fields, the bad value).
 */
export const AJV_OPTIONS: Options = { strict: true, allErrors: true, verbose: true, allowUnionTypes: true, formats: FORMATS };

/**
 * meshops.yaml's schema: no custom formats. validateSchema: false skips compiling JSON Schema's meta-schema to check
 * our own, fixed schema (that alone took most of a small repository's validation). Shared by the build-time code
 * (scripts/compile-validators.mjs) and the run-time fallback in config/repoConfig.ts.
 */
export const CONFIG_AJV_OPTIONS: Options = { allErrors: true, strict: true, verbose: true, validateSchema: false };

/** The file under dist/validators/ that holds meshops.yaml's build-time validator (not a resource type's name). */
export const CONFIG_VALIDATOR_FILE = "meshops.config.js";

/**
 * A new ajv compiler. Loaded on first use: validation runs build-time code (dist/validators), so most commands never
 * compile a schema, and loading ajv's compiler cost 40–70 ms of every command's start.
 */
export function newAjv(options: Options): Ajv2020 {
  // The plain require() is for the Action's bundle (scripts/build-action.mjs), where esbuild resolves it at build time;
  // as an ES module under Node, require is undefined and the module's own is made.
  const { Ajv2020: Compiler } = (
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a literal require() is what esbuild bundles
    typeof require === "function" ? require("ajv/dist/2020.js") : createRequire(import.meta.url)("ajv/dist/2020.js")
  ) as typeof AjvModule;
  return new Compiler(options);
}
