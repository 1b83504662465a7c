/**
 * What changes with the Kuma version a control plane runs. One place for the CLI, the daemon and the embedded control
 * plane, so meshops never shapes a resource for one version and emulates another.
 */
import type { Product } from "./types.js";
import type { Resource } from "../model/resource.js";
import { compareMinors, LATEST_MINOR, minorLine, SUPPORTED_MINORS } from "./versions.js";

/** The version the embedded control plane behaves as unless told otherwise. */
export const DEFAULT_KUMA_VERSION = "2.14.3";

/** What a control plane says of its version (GET /): Kong Mesh reports its own and the Kuma one it is based on. */
export interface VersionInfo {
  readonly version?: string;
  readonly basedOnKuma?: string;
}

/**
 * The Kuma major version to target: the server's own answer when there is one, else the version the repository's
 * meshops.yaml names (`controlPlane.version`), else 2.
 */
export function kumaMajor(info: VersionInfo | undefined, configured: string | undefined): number {
  // Kong Mesh versions follow the Kuma versions they are built on, and also say so in basedOnKuma.
  const version = info?.basedOnKuma ?? info?.version ?? configured ?? "2";
  const match = /^v?(\d+)/.exec(version.trim());
  return match ? Number(match[1]) : 2;
}

/**
 * Kuma 3.x creates no default policies with a new Mesh and dropped `skipCreatingInitialPolicies` (kumahq/kuma#18661):
 * "accepted, ignored and dropped on the next write".
 */
export function createsDefaultPolicies(major: number): boolean {
  return major < 3;
}

/**
 * A resource as a control plane of this major version stores it. On 3.x `skipCreatingInitialPolicies` is never
 * sent: the server would drop it and every plan would show it as a change. meshops still materializes the default
 * policies the repository wants, so a 3.x control plane gets them from meshops instead.
 */
export function forTargetVersion(resource: Resource, major: number): Resource {
  if (createsDefaultPolicies(major) || resource.type !== "Mesh" || !("skipCreatingInitialPolicies" in resource.object)) return resource;
  const { skipCreatingInitialPolicies: _dropped, ...object } = resource.object;
  return { ...resource, object };
}

/** The product names GET / answers with, per meshops.yaml's controlPlane.product. */
export const PRODUCT_NAMES: Readonly<Record<Product, string>> = { kuma: "Kuma", "kong-mesh": "Kong Mesh" };

/**
 * What differs between the control plane meshops.yaml describes and the one that answered GET /: another minor line
 * (validation used the configured line's schemas, rules and default policies) or another product. Warnings, not
 * errors: the plan itself is built for the version the server reports.
 */
export function targetMismatches(configured: { readonly version?: string; readonly product: Product }, info: VersionInfo & { readonly product?: string }): string[] {
  const out: string[] = [];
  const reported = info.basedOnKuma ?? info.version;
  const configuredLine = minorLine(configured.version);
  const reportedLine = minorLine(reported);
  const runs = () => `the control plane runs ${info.product ?? "the control plane"} ${info.version ?? reported}${info.basedOnKuma !== undefined ? ` (based on Kuma ${info.basedOnKuma})` : ""}`;
  const advice = "set controlPlane.version to what the control plane runs";
  const unsupported = outsideSupportedLines(reportedLine);
  if (unsupported !== undefined) {
    // meshops.yaml cannot name this line, so the advice is to bring the control plane or meshops within reach.
    const validated = configuredLine !== undefined && SUPPORTED_MINORS.includes(configuredLine) ? configuredLine : LATEST_MINOR;
    out.push(
      unsupported === "older"
        ? `${runs()}, older than any line meshops supports (${SUPPORTED_MINORS.join(", ")}, or 3.x): the repository was validated against ${validated}, whose fields and kinds it refuses or drops without a word; upgrade the control plane`
        : `${runs()}, newer than the newest line meshops carries (${LATEST_MINOR}): the repository was validated against ${validated}, so what ${reportedLine} changed is not checked; upgrade meshops`,
    );
  } else if (configuredLine !== undefined && reportedLine !== undefined && configuredLine !== reportedLine) {
    out.push(`${runs()}, but meshops.yaml says controlPlane.version ${configured.version}: the repository was validated against ${configuredLine}, not ${reportedLine}; ${advice}`);
  } else if (configured.version === undefined && reportedLine !== undefined && SUPPORTED_MINORS.includes(reportedLine) && reportedLine !== LATEST_MINOR) {
    // Validation took the newest line's schemas; an older control plane drops the fields it does not know, so they
    // would pass validation and then show as drift after every apply.
    out.push(`${runs()}, but meshops.yaml sets no controlPlane.version: the repository was validated against ${LATEST_MINOR}, the newest line, not ${reportedLine}; ${advice}`);
  }
  const expected = PRODUCT_NAMES[configured.product];
  const product = info.product;
  if (product !== undefined && Object.values(PRODUCT_NAMES).includes(product) && product !== expected) {
    const setting = Object.entries(PRODUCT_NAMES).find(([, name]) => name === product)?.[0] ?? "";
    out.push(`the control plane is ${product}, but meshops.yaml says controlPlane.product ${configured.product}: set controlPlane.product: ${setting}`);
  }
  return out;
}

/** A 2.x line meshops has no schemas for, older or newer than those it has (3.x is targeted with the newest line's). */
export function outsideSupportedLines(line: string | undefined): "older" | "newer" | undefined {
  if (line === undefined || line.split(".")[0] !== "2" || SUPPORTED_MINORS.includes(line)) return undefined;
  return compareMinors(line, SUPPORTED_MINORS[0] ?? LATEST_MINOR) < 0 ? "older" : "newer";
}

/** What to do of a control plane of a line outsideSupportedLines finds: meshops.yaml cannot name that line. */
export function unsupportedLineAdvice(outside: "older" | "newer"): string {
  return outside === "older" ? `upgrade the control plane: meshops supports no line older than ${SUPPORTED_MINORS[0] ?? LATEST_MINOR}` : `upgrade meshops: it carries no line newer than ${LATEST_MINOR}`;
}
