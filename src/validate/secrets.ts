/**
 * Secrets in the repository (issue 13 item 3): a Secret's value belongs in a SOPS-encrypted file, and an encrypted
 * document is checked for what can be checked without its key (its structure, its `sops:` block). Messages name the
 * field, never its value.
 */
import type { RepoConfig } from "../config/repoConfig.js";
import { isSecretType } from "../kuma/types.js";
import { isJsonObject, type JsonValue, type Resource } from "../model/resource.js";
import { parsePath } from "../model/fieldPath.js";
import { isEncryptedValue } from "../model/sealed.js";
import { SOPS_KEY, isSopsDocument, malformedEncryptedValues, readSopsMetadata } from "../secrets/sops.js";

/** Problems of a SOPS document's metadata and ciphertext that make it impossible to decrypt, at their paths. */
export function sopsProblems(document: JsonValue): { path: string; message: string }[] {
  if (!isSopsDocument(document)) return [];
  const problems = readSopsMetadata(document[SOPS_KEY] as JsonValue).problems;
  for (const path of malformedEncryptedValues(document)) {
    problems.push({ path, message: "starts like a SOPS value but is not ENC[AES256_GCM,data:...,iv:...,tag:...,type:...]: edited by hand? re-encrypt the file with sops" });
  }
  return problems;
}

/** A Secret whose value is not encrypted, unless meshops.yaml allows it. */
export function plaintextSecretProblem(resource: Resource, secrets: RepoConfig["secrets"]): { path: string; message: string } | undefined {
  if (!isSecretType(resource.type) || secrets.allowPlaintext) return undefined;
  const data = resource.object.data;
  if (data === undefined || isEncryptedValue(data)) return undefined;
  const why = resource.sealed ? "the file is SOPS-encrypted, but not this value (check encrypted_regex in .sops.yaml)" : "the file is not SOPS-encrypted";
  return {
    path: "data",
    message: `the Secret's value is in clear text in the repository (${why}): encrypt it with sops (an age recipient), or set secrets.allowPlaintext: true in meshops.yaml`,
  };
}

/**
 * Whether a reported field path lies at or under a value that is still ciphertext. For a resource that was never
 * encrypted, nothing is.
 */
export function encryptedPathsOf(resource: Resource): (path: string) => boolean {
  if (!resource.sealed) return () => false;
  return (path) => {
    let value: JsonValue | undefined = resource.object;
    for (const segment of parsePath(path)) {
      if (isEncryptedValue(value)) return true;
      if (Array.isArray(value) && typeof segment === "number") value = value[segment];
      else if (isJsonObject(value) && typeof segment === "string") value = value[segment];
      else return false;
    }
    return isEncryptedValue(value);
  };
}

