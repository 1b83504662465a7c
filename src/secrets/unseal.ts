/**
 * The step between validation and the desired state for a repository with SOPS-encrypted documents: with an age key,
 * each encrypted file is decrypted in memory (its MAC checked), its documents converted again and checked in full, and
 * each sealed resource replaced by its plaintext twin. Without a key the resources stay sealed: `plan` and `drift` then
 * say "unknown" for their values, and `apply` refuses (src/cli).
 *
 * Nothing decrypted is written anywhere or put into a message: problems found in a decrypted document are reported at
 * its field, with every decrypted value cut out of the message.
 */
import { boundedMessage, hasErrors, type Diagnostic } from "../model/diagnostic.js";
import { subjectOf } from "../model/key.js";
import { isJsonObject, type Resource } from "../model/resource.js";
import { REDACTED } from "../kuma/secretFields.js";
import { toResource } from "../parse/convert.js";
import { parseYaml } from "../parse/documents.js";
import { Locator } from "../parse/locate.js";
import { diagnosticAt } from "../validate/diagnostics.js";
import type { ValidationResult } from "../validate/index.js";
import { semanticViolations } from "../validate/rules/index.js";
import { validateSchema } from "../validate/schema.js";
import { createHash } from "node:crypto";
import { SopsError, decryptDocuments, type Decrypted } from "./sops.js";

/**
 * Decrypted files of earlier runs, by path and content, for a long-running process (the daemon): a commit that does
 * not touch an encrypted file does not decrypt it again (8 to 15 ms a file). Holds plaintext in memory, as the desired
 * state built from it does anyway; only for one set of identities.
 */
export class DecryptionCache {
  readonly #entries = new Map<string, Decrypted>();
  readonly #used = new Set<string>();

  /** @internal */
  async get(file: string, text: string, decrypt: () => Promise<Decrypted>): Promise<Decrypted> {
    const key = `${file}\0${createHash("sha256").update(text).digest("hex")}`;
    this.#used.add(key);
    let entry = this.#entries.get(key);
    if (!entry) this.#entries.set(key, (entry = await decrypt()));
    return entry;
  }

  /** Forgets the files the last run did not use (changed or removed), so the cache does not grow forever. */
  sweep(): void {
    for (const key of this.#entries.keys()) if (!this.#used.has(key)) this.#entries.delete(key);
    this.#used.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** The repository's resources with every encrypted one decrypted where the key allows. */
export interface Unsealed {
  readonly result: ValidationResult;
  /** Sealed resources left sealed (no key was given). */
  readonly stillSealed: readonly Resource[];
}

/**
 * Decrypts the sealed resources of a valid `result`. `text` gives a file's text at the validated revision;
 * `identities` are age identities, or undefined when no key was configured (then nothing is decrypted). A file that
 * cannot be decrypted, or whose plaintext breaks a rule, makes the result invalid: nothing of it may be applied.
 */
export async function unsealResources(
  result: ValidationResult,
  text: (file: string) => string | undefined,
  identities: readonly string[] | undefined,
  cache?: DecryptionCache,
): Promise<Unsealed> {
  const sealed = result.resources.filter((r) => r.sealed);
  if (sealed.length === 0 || identities === undefined) return { result, stillSealed: sealed };
  const byFile = new Map<string, Resource[]>();
  for (const r of sealed) {
    const file = r.source?.file ?? "";
    byFile.set(file, [...(byFile.get(file) ?? []), r]);
  }
  const replaced = new Map<Resource, Resource>();
  const diagnostics: Diagnostic[] = [];
  const locator = new Locator(text);
  for (const [file, resources] of byFile) {
    const source = text(file);
    const subjects = resources.map((r) => subjectOf(r)).join(", ");
    const fail = (message: string) =>
      diagnostics.push({ severity: "error", file, line: resources[0]?.source?.line ?? 1, column: 1, resource: subjects, path: "sops", message: boundedMessage(message), rule: "sops-decrypt" });
    if (source === undefined) {
      fail(`${file}: not readable at this revision`);
      continue;
    }
    const documents = parseYaml(source).documents;
    let decrypted;
    try {
      const decrypt = () => decryptDocuments(file, documents.map((d) => (isJsonObject(d.value) ? d.value : {})), identities);
      decrypted = cache ? await cache.get(file, source, decrypt) : await decrypt();
    } catch (error) {
      if (!(error instanceof SopsError)) throw error;
      fail(`${error.message}; nothing of this file is applied`);
      continue;
    }
    const scrub = scrubberOf(decrypted.revealed);
    for (const resource of resources) {
      const at = documents.findIndex((d) => d.index === resource.source?.docIndex);
      const document = documents[at];
      const plain = decrypted.documents[at];
      const converted = document && plain ? toResource(file, { ...document, value: plain }, { systemNamespaces: result.config.systemNamespaces, mode: result.config.controlPlane.mode }).resource : undefined;
      if (!converted) {
        fail(`${file}: document ${(resource.source?.docIndex ?? 0) + 1} does not convert once decrypted`);
        continue;
      }
      const check = [...validateSchema(converted.type, converted.object, result.config.controlPlane.version), ...semanticViolations(converted.type, converted.object, result.config.controlPlane)];
      for (const v of check) diagnostics.push(diagnosticAt(locator, resource, v.path, `${scrub(v.message)} (in the decrypted value)`, "schema"));
      replaced.set(resource, withoutSealedMark(converted));
    }
  }
  const resources = result.resources.map((r) => replaced.get(r) ?? r);
  const all = [...result.diagnostics, ...diagnostics];
  return {
    result: { ...result, resources, diagnostics: all, valid: !hasErrors(all) },
    stillSealed: resources.filter((r) => r.sealed),
  };
}

function withoutSealedMark(resource: Resource): Resource {
  const { sealed: _sealed, ...plain } = resource;
  return plain;
}

/** Cuts every revealed value out of a message (a validator may quote the value it rejects). */
function scrubberOf(revealed: readonly string[]): (message: string) => string {
  // A Kubernetes Secret's stringData reaches the object base64-encoded: that spelling is cut out too.
  const spellings = revealed.flatMap((v) => [v, Buffer.from(v, "utf8").toString("base64")]);
  const values = [...new Set(spellings)].sort((a, b) => b.length - a.length);
  return (message) => values.reduce((m, v) => m.split(v).join(REDACTED), message);
}

