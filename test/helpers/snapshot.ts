import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { Snapshot, SourceFile } from "../../src/source/types.js";
import { unsealResources } from "../../src/secrets/unseal.js";
import { parseAgeIdentities } from "../../src/secrets/sops.js";
import { validateSnapshot, type ValidationResult } from "../../src/validate/index.js";
import { projectRoot } from "./git.js";

/**
 * A fixture folder as the snapshot `readSnapshot` would give at `revision`, without Git: renderer goldens then name a
 * fixed revision instead of a commit id that changes with every run.
 */
export function snapshotOf(dir: string, revision: string): Snapshot {
  const files: SourceFile[] = [];
  let config: SourceFile | undefined;
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder).sort()) {
      const absolute = path.join(folder, entry);
      if (statSync(absolute).isDirectory()) walk(absolute);
      else if (/\.ya?ml$/.test(entry)) {
        const text = readFileSync(absolute, "utf8");
        const relative = path.relative(dir, absolute).split(path.sep).join("/");
        const file = { path: relative, text, blobId: createHash("sha1").update(`blob ${Buffer.byteLength(text)}\0${text}`).digest("hex") };
        if (relative === "meshops.yaml") config = file;
        else files.push(file);
      }
    }
  };
  walk(dir);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { revision, root: "", files, problems: [], ...(config ? { config } : {}) };
}

/** A snapshot of the files given by path and text, with meshops.yaml's text (blob ids made up, distinct per file). */
export function snapshotOfTexts(files: Record<string, string>, configText = ""): Snapshot {
  const config = { path: "meshops.yaml", text: configText, blobId: "c".repeat(40) };
  return { revision: "test", root: "", problems: [], config, files: Object.entries(files).map(([p, text], i) => ({ path: p, text, blobId: String(i).padStart(40, "0") })) };
}

/**
 * Validates a snapshot and decrypts its SOPS-encrypted files with the test key (test/fixtures/sops/test-age-key.txt),
 * as `plan` and `apply` do with SOPS_AGE_KEY_FILE: sample-repo holds an encrypted Secret.
 */
export async function validateWithTestKey(snapshot: Snapshot): Promise<ValidationResult> {
  const result = validateSnapshot(snapshot);
  if (!result.valid) return result;
  const texts = new Map(snapshot.files.map((f) => [f.path, f.text]));
  return (await unsealResources(result, (file) => texts.get(file), testAgeIdentities())).result;
}

/** The test age key's identities. */
export function testAgeIdentities(): string[] {
  return parseAgeIdentities(readFileSync(path.join(projectRoot, "test", "fixtures", "sops", "test-age-key.txt"), "utf8"));
}
