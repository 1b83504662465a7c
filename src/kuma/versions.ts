/**
 * The Kuma minor lines meshops validates against (schemas/versions.json, written by scripts/generate-schemas.mjs):
 * which line a `controlPlane.version` selects, and which release introduced a kind an older line does not have.
 */
import { readFileSync } from "node:fs";

interface VersionIndex {
  /** The newest minor line ("2.14"): schemas/<Type>.schema.json. */
  readonly latest: string;
  /** Per minor line: the release the schemas come from, and the types with a schema of their own (schemas/v<minor>/). */
  readonly versions: Readonly<Record<string, { readonly release: string; readonly ownSchemas: readonly string[] }>>;
  /** Kinds that appeared after the oldest line, with the line that introduced them. */
  readonly kindsIntroduced: Readonly<Record<string, string>>;
}

/** This file compiles to dist/src/kuma/versions.js: the repository root is three directories up. */
const INDEX = JSON.parse(readFileSync(new URL("../../../schemas/versions.json", import.meta.url), "utf8")) as VersionIndex;

/** "2.10" < "2.9" as strings; as versions it is the other way round. */
export function compareMinors(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split(".").map(Number);
  const [bMajor = 0, bMinor = 0] = b.split(".").map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

/** The minor lines with schemas, oldest first. */
export const SUPPORTED_MINORS: readonly string[] = Object.keys(INDEX.versions).sort(compareMinors);
export const LATEST_MINOR = INDEX.latest;

/** "2.14" of "2.14.3" or "v2.14.3"; undefined for anything else. The one reader of a version's minor line. */
export function minorLine(version: string | undefined): string | undefined {
  const match = /^v?(\d+)\.(\d+)/.exec(version?.trim() ?? "");
  return match ? `${match[1]}.${match[2]}` : undefined;
}

/** A minor line of the schemas, and the version that selected it (for messages). */
export interface SchemaLine {
  readonly minor: string;
  readonly version: string | undefined;
}

/**
 * The minor line `version` (controlPlane.version, "2.10.3" or "2.10") selects, or an error listing the supported
 * ones, naming the `setting` that gave it (`meshops cp --kuma-version`). No version, or 3.x (whose schemas meshops
 * does not carry per line), means the newest line.
 */
export function schemaLine(version: string | undefined, setting = "controlPlane.version"): SchemaLine | { readonly error: string } {
  if (version === undefined) return { minor: LATEST_MINOR, version };
  // As Kuma writes its versions (GET / says 2.12.3): a setting of v2.12.3 is refused, not read as a tag.
  const minor = /^\d/.test(version) ? minorLine(version) : undefined;
  if (minor && Number(minor.split(".")[0]) >= 3) return { minor: LATEST_MINOR, version };
  if (minor && INDEX.versions[minor]) return { minor, version };
  return { error: `${setting} ${unsupportedVersion(version)}` };
}

/** What is wrong with a version schemaLine refuses, after its name: no version at all, a `v` Kuma does not write, or a line meshops lacks. */
export function unsupportedVersion(version: string): string {
  const supported = `use ${SUPPORTED_MINORS.join(", ")} (any patch release) or 3.x`;
  if (/^v\d+\.\d+(\.\d+)?$/.test(version)) return `${version} is not a version as Kuma writes it: write ${version.slice(1)}, without the v`;
  return /^\d+\.\d+(\.\d+)?$/.test(version) ? `${version} is not supported: ${supported}` : `${version} is not a version: ${supported}`;
}

/**
 * What a version past the newest line (3.x, which schemaLine reads as the newest) is checked with, said where the
 * version is set; undefined for any other version. An info item, not a warning: a repository that targets 3.x must
 * still pass `--warnings-as-errors`.
 */
export function beyondNewestLine(version: string | undefined, setting = "controlPlane.version"): string | undefined {
  const selected = version === undefined ? undefined : schemaLine(version, setting);
  if (!selected || "error" in selected || minorLine(version) === selected.minor) return undefined;
  return `${setting} ${version} is newer than the newest line meshops carries (${LATEST_MINOR}): checked with ${LATEST_MINOR}'s schemas and rules, so what ${minorLine(version)} changed is not known here`;
}

/** Whether schemas/v<minor>/ holds the type's own schema (else the newest line's applies). */
export function hasOwnSchema(minor: string, typeName: string): boolean {
  return minor !== LATEST_MINOR && (INDEX.versions[minor]?.ownSchemas.includes(typeName) ?? false);
}

/** The minor line that introduced `typeName`, when it is newer than `minor`. */
export function kindIntroducedAfter(typeName: string, minor: string): string | undefined {
  const introduced = INDEX.kindsIntroduced[typeName];
  return introduced !== undefined && compareMinors(introduced, minor) > 0 ? introduced : undefined;
}

/** The minor lines newer than `minor`, oldest first. */
export function newerMinors(minor: string): string[] {
  return SUPPORTED_MINORS.filter((m) => compareMinors(m, minor) > 0);
}

/** `the target control plane (controlPlane.version 2.10.3) does not have it`: the ending of every version message. */
export function notInTarget(line: SchemaLine): string {
  return `controlPlane.version ${line.version ?? line.minor} does not have it`;
}
