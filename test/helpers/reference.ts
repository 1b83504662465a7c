/**
 * Where the Kuma control-plane reference data (rest.yaml files, validation cases, FACTS.md) lives for tests that check
 * the project against it. Tests that need it fail when it is missing instead of skipping, so a misconfigured checkout
 * cannot pass silently.
 */
import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** This file compiles to dist/test/helpers/reference.js: the repository root is three directories up. */
const DEFAULT_REFERENCE_DIR = fileURLToPath(new URL("../../../../shared/kuma-reference", import.meta.url));

/** `$MESHOPS_KUMA_REFERENCE`, or `<repo>/../shared/kuma-reference`. Throws when the folder does not exist. */
export function kumaReferenceDir(): string {
  const fromEnvironment = process.env.MESHOPS_KUMA_REFERENCE;
  const dir = fromEnvironment || DEFAULT_REFERENCE_DIR;
  if (!isDirectory(dir)) {
    const origin = fromEnvironment ? "MESHOPS_KUMA_REFERENCE" : "the default location";
    throw new Error(
      `Kuma reference data not found at ${dir} (from ${origin}). Point MESHOPS_KUMA_REFERENCE at the folder holding ` +
        "FACTS.md and the Kuma v2.14.3 rest.yaml files.",
    );
  }
  return dir;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
