/**
 * SOPS-encrypted documents, as Flux users keep them in Git: every encrypted leaf is
 * `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`, and a top-level `sops:` block carries the data key wrapped for each
 * recipient, the time of the last change and a MAC over all values. The file format is sops v3's; age recipients are
 * unwrapped with the age-encryption library (by age's author), PGP recipients with OpenPGP.js (`openpgp`, what
 * Proton Mail uses), AES-GCM and SHA-512 come from node:crypto. Both libraries are loaded only when a file needs them.
 *
 * Pure apart from CPU: no file is read here (the key text is the caller's), and nothing decrypted leaves as anything
 * but the returned documents. Error messages name files, recipients and paths, never a value.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { isJsonObject, type JsonObject, type JsonValue } from "../model/resource.js";
import { ENCRYPTED_VALUE, isEncryptedValue } from "../model/sealed.js";

/** The top-level key of an encrypted document's metadata. */
export const SOPS_KEY = "sops";

/** Kinds of key meshops cannot use: their stanzas are read, so a message can say which key the file wants. */
const OTHER_KEY_GROUPS = ["kms", "gcp_kms", "azure_kv", "hc_vault"] as const;

/** How an armored PGP private key starts: a key given as one of the `identities` is either this or an age identity. */
const PGP_PRIVATE_KEY_BEGIN = "-----BEGIN PGP PRIVATE KEY BLOCK-----";
const PGP_PRIVATE_KEY = /-----BEGIN PGP PRIVATE KEY BLOCK-----[\s\S]*?-----END PGP PRIVATE KEY BLOCK-----/g;

export class SopsError extends Error {}

/** A document SOPS wrote: a mapping with a `sops:` mapping at the top. */
export function isSopsDocument(value: JsonValue): value is JsonObject {
  return isJsonObject(value) && isJsonObject(value[SOPS_KEY]);
}

export interface SopsMetadata {
  /** age recipients (public keys), in the file's order. */
  readonly ageRecipients: readonly string[];
  /** The wrapped data key per age recipient (armored age files). */
  readonly ageStanzas: readonly string[];
  /** The data key per PGP recipient: its fingerprint, and an armored OpenPGP message. */
  readonly pgpStanzas: readonly { readonly fp: string; readonly enc: string }[];
  /** Recipients meshops cannot decrypt for (PGP fingerprints, KMS ARNs...), named in messages. */
  readonly otherRecipients: readonly string[];
  readonly lastModified: string;
  readonly mac: string;
  /** `mac_only_encrypted: true`: the MAC covers encrypted values only (sops 3.9+). */
  readonly macOnlyEncrypted: boolean;
}

/** The `sops:` block read and checked; a problem per field that makes the document impossible to decrypt. */
export function readSopsMetadata(sops: JsonValue): { metadata?: SopsMetadata; problems: { path: string; message: string }[] } {
  const problems: { path: string; message: string }[] = [];
  if (!isJsonObject(sops)) return { problems: [{ path: SOPS_KEY, message: "the sops metadata must be a mapping" }] };
  const age = stanzasOf(sops, "age", "recipient", problems);
  const ageRecipients = age.map((s) => s.recipient);
  const ageStanzas = age.map((s) => s.enc);
  const pgpStanzas = stanzasOf(sops, "pgp", "fp", problems);
  const otherRecipients = OTHER_KEY_GROUPS.flatMap((group) => {
    const list = sops[group];
    if (!Array.isArray(list)) return [];
    return list.flatMap((entry) => {
      if (!isJsonObject(entry)) return [];
      const id = entry.fp ?? entry.arn ?? entry.resource_id ?? entry.vault_url ?? entry.vault_address;
      return [`${group} ${typeof id === "string" ? id : "(unnamed)"}`];
    });
  });
  if (ageRecipients.length === 0 && pgpStanzas.length === 0 && problems.length === 0) {
    const others = otherRecipients.length > 0 ? `; this file is encrypted for ${otherRecipients.join(", ")}` : "";
    problems.push({ path: "sops.age", message: `no age or pgp recipient: meshops decrypts SOPS files encrypted for age or PGP keys${others}` });
  }
  const lastModified = sops.lastmodified;
  if (typeof lastModified !== "string") problems.push({ path: "sops.lastmodified", message: "missing: the file's MAC cannot be checked without it" });
  const mac = sops.mac;
  if (!isEncryptedValue(mac)) problems.push({ path: "sops.mac", message: "missing or not an ENC[AES256_GCM,...] value: the file cannot be checked for tampering" });
  if (problems.length > 0) return { problems };
  return {
    metadata: { ageRecipients, ageStanzas, pgpStanzas, otherRecipients, lastModified: lastModified as string, mac: mac as string, macOnlyEncrypted: sops.mac_only_encrypted === true },
    problems,
  };
}

/** A key group's entries (`sops.age`, `sops.pgp`): each names its recipient under `id` and holds the wrapped key in `enc`. */
function stanzasOf<K extends string>(sops: JsonObject, group: string, id: K, problems: { path: string; message: string }[]): ({ enc: string } & Record<K, string>)[] {
  const list = sops[group] ?? [];
  if (!Array.isArray(list)) {
    problems.push({ path: `sops.${group}`, message: `must be a list of {${id}, enc}` });
    return [];
  }
  return list.flatMap((entry, i) => {
    if (!isJsonObject(entry) || typeof entry[id] !== "string" || typeof entry.enc !== "string") {
      problems.push({ path: `sops.${group}[${i}]`, message: `must have \`${id}\` and \`enc\` strings` });
      return [];
    }
    return [{ [id]: entry[id], enc: entry.enc } as { enc: string } & Record<K, string>];
  });
}

/** Paths (as `a.b[0].c`) of values that look encrypted but are not well-formed ENC values: sops would fail on them. */
export function malformedEncryptedValues(document: JsonObject): string[] {
  const out: string[] = [];
  walk(withoutSops(document), [], "", (value, _aad, path) => {
    if (typeof value === "string" && value.startsWith("ENC[") && !ENCRYPTED_VALUE.test(value)) out.push(path);
    return value;
  });
  return out;
}

/** The age identities (`AGE-SECRET-KEY-1...`) of an age key file: one per line, `#` comments ignored. */
export function parseAgeIdentities(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.startsWith("AGE-SECRET-KEY-"));
}

/** The armored private keys of a PGP key file (`gpg --export-secret-keys --armor`), each one of `identities`. */
export function parsePgpPrivateKeys(text: string): string[] {
  const keys = text.match(PGP_PRIVATE_KEY) ?? [];
  if (keys.length === 0) throw new SopsError(`no ${PGP_PRIVATE_KEY_BEGIN} in the file`);
  return keys;
}

/** What decryptDocuments returns. */
export interface Decrypted {
  readonly documents: JsonObject[];
  /** Every decrypted text value, so that callers can keep them out of any message. */
  readonly revealed: readonly string[];
}

/**
 * The plaintext of the documents of one SOPS file (each `sops:` block removed), after the MAC over all of them has been
 * checked. `identities`: age identities and armored PGP private keys. `file` only names the file in errors. Throws SopsError when no identity opens the data key or the MAC does not
 * match (the file was edited without sops, or tampered with).
 */
export async function decryptDocuments(file: string, documents: readonly JsonObject[], identities: readonly string[]): Promise<Decrypted> {
  const first = documents.find(isSopsDocument);
  if (!first) throw new SopsError(`${file}: not a SOPS file (no sops: block)`);
  const { metadata, problems } = readSopsMetadata(first[SOPS_KEY] as JsonValue);
  if (!metadata) throw new SopsError(`${file}: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`);
  const dataKey = await unwrapDataKey(file, metadata, identities);
  const hash = createHash("sha512");
  const revealed: string[] = [];
  const plain = documents.map((document) =>
    walk(withoutSops(document), [], "", (value, aad, path) => {
      const encrypted = isEncryptedValue(value);
      const clear = encrypted ? decryptValue(file, path, value, dataKey, aad) : value;
      if (encrypted && typeof clear === "string" && clear !== "") revealed.push(clear);
      if (encrypted || !metadata.macOnlyEncrypted) hash.update(macBytes(clear));
      return clear;
    }) as JsonObject,
  );
  const expected = decryptValue(file, "sops.mac", metadata.mac, dataKey, metadata.lastModified);
  if (hash.digest("hex").toUpperCase() !== expected) {
    throw new SopsError(`${file}: the SOPS MAC does not match: the file was changed without sops (or tampered with); re-encrypt it with sops`);
  }
  return { documents: plain, revealed };
}

/**
 * age-encryption, loaded on first use: importing it costs more than half a second (its post-quantum and curve code),
 * which every `validate` would otherwise pay, encrypted files or not.
 */
const age = () => import("age-encryption");

/** OpenPGP.js, loaded on first use like age-encryption (most repositories have no PGP-encrypted file). */
// The GitHub Action's bundle leaves openpgp (LGPL-3.0-or-later) out, so a missing package is a plain sentence there.
const openpgp = () =>
  import("openpgp").catch((error: unknown) => {
    throw new SopsError(`PGP recipients need the openpgp package, which this build of meshops does not include (the GitHub Action bundles age only): use an age recipient, or run meshops from npm (${error instanceof Error ? error.message : String(error)})`);
  });

async function unwrapDataKey(file: string, metadata: SopsMetadata, identities: readonly string[]): Promise<Buffer> {
  const wanted = [...metadata.ageRecipients, ...metadata.pgpStanzas.map((s) => `pgp ${s.fp}`), ...metadata.otherRecipients].join(", ");
  const pgpKeys = identities.filter((i) => i.startsWith(PGP_PRIVATE_KEY_BEGIN));
  const ageKeys = identities.filter((i) => !i.startsWith(PGP_PRIVATE_KEY_BEGIN));
  if (identities.length === 0) {
    const how = metadata.pgpStanzas.length > 0 ? "pass --sops-pgp-key-file (a PGP private key), or set SOPS_AGE_KEY_FILE for an age key" : "set SOPS_AGE_KEY_FILE or pass --sops-age-key-file";
    throw new SopsError(`${file}: no ${metadata.pgpStanzas.length > 0 ? "" : "age "}key to decrypt it (it is encrypted for ${wanted}): ${how}`);
  }
  const key = (ageKeys.length > 0 ? await ageDataKey(metadata, ageKeys) : undefined) ?? (pgpKeys.length > 0 ? await pgpDataKey(file, metadata, pgpKeys) : undefined);
  if (key) return key;
  const what = pgpKeys.length === 0 ? "age key(s)" : "key(s)";
  throw new SopsError(`${file}: none of the ${identities.length} ${what} given can decrypt it; it is encrypted for ${wanted}`);
}

async function ageDataKey(metadata: SopsMetadata, identities: readonly string[]): Promise<Buffer | undefined> {
  if (metadata.ageStanzas.length === 0) return undefined;
  const { Decrypter, armor } = await age();
  const decrypter = new Decrypter();
  for (const identity of identities) decrypter.addIdentity(identity);
  for (const stanza of metadata.ageStanzas) {
    try {
      const key = Buffer.from(await decrypter.decrypt(armor.decode(stanza)));
      if (key.length === 32) return key;
    } catch {
      // Not this recipient's stanza (or a broken one): try the next; the caller's message names them all.
    }
  }
  return undefined;
}

async function pgpDataKey(file: string, metadata: SopsMetadata, armoredKeys: readonly string[]): Promise<Buffer | undefined> {
  if (metadata.pgpStanzas.length === 0) return undefined;
  const { readPrivateKey, readMessage, decrypt } = await openpgp();
  const keys = await Promise.all(
    armoredKeys.map((armoredKey) =>
      readPrivateKey({ armoredKey }).catch(() => {
        throw new SopsError(`${file}: a PGP key given cannot be read (not an armored private key block)`);
      }),
    ),
  );
  // Flux and sops read keys without a passphrase; asking for one would stop an unattended run.
  if (keys.some((k) => !k.isDecrypted())) throw new SopsError(`${file}: a PGP key given is protected by a passphrase: export it without one (gpg --export-secret-keys --armor)`);
  for (const stanza of metadata.pgpStanzas) {
    try {
      const message = await readMessage({ armoredMessage: stanza.enc });
      const { data } = await decrypt({ message, decryptionKeys: keys, format: "binary" });
      const key = Buffer.from(data);
      if (key.length === 32) return key;
    } catch {
      // Not this recipient's message (or a broken one): try the next.
    }
  }
  return undefined;
}

function decryptValue(file: string, path: string, value: string, key: Buffer, aad: string): JsonValue {
  const match = ENCRYPTED_VALUE.exec(value);
  if (!match) throw new SopsError(`${file}: ${path}: not an ENC[AES256_GCM,...] value`);
  const [, data, iv, tag, type] = match as unknown as [string, string, string, string, string];
  let bytes: Buffer;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64"));
    bytes = Buffer.concat([decipher.update(Buffer.from(data, "base64")), decipher.final()]);
  } catch {
    throw new SopsError(`${file}: ${path}: the value does not decrypt with the file's data key (moved or edited without sops)`);
  }
  const text = bytes.toString("utf8");
  switch (type) {
    case "int":
    case "float":
      return Number(text);
    case "bool":
      return text === "True";
    default:
      return text;
  }
}

/** How sops feeds a value to the MAC (sops' ToBytes: Python-style booleans, Go's shortest float form). */
function macBytes(value: JsonValue): Buffer {
  if (typeof value === "boolean") return Buffer.from(value ? "True" : "False");
  if (value === null) return Buffer.alloc(0);
  return Buffer.from(String(value), "utf8");
}

function withoutSops(document: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(document)) if (key !== SOPS_KEY) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

/**
 * Visits every leaf in document order with its sops additional data (the mapping keys on its path, each followed by
 * `:`; sequence positions add nothing) and a readable path; returns a copy with each leaf replaced by `visit`'s result.
 */
function walk(value: JsonValue, keys: readonly string[], path: string, visit: (leaf: JsonValue, aad: string, path: string) => JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map((item, i) => walk(item, keys, `${path}[${i}]`, visit));
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const [key, child] of Object.entries(value)) {
      const next = walk(child, [...keys, key], path === "" ? key : `${path}.${key}`, visit);
      Object.defineProperty(out, key, { value: next, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return visit(value, keys.map((k) => `${k}:`).join(""), path);
}

// ---------------------------------------------------------------------------------------------------------------------
// Encryption: `meshops export --sops-age-recipient` (Secrets are only ever written encrypted), and the fixtures
// (scripts/generate-sops-fixtures.mjs).

export interface EncryptOptions {
  /** age recipients (`age1...`). */
  readonly recipients: readonly string[];
  /** PGP recipients: armored public keys. */
  readonly pgpRecipients?: readonly string[];
  /** Only values under a key matching this are encrypted (Flux's usual `^(data|stringData)$`); default: all. */
  readonly encryptedRegex?: string;
  /** The time written as `lastmodified` (RFC 3339); the MAC is bound to it. */
  readonly lastModified: string;
}

/** One document encrypted as `sops --encrypt` does it, with its `sops:` block. */
export async function encryptDocument(document: JsonObject, options: EncryptOptions): Promise<JsonObject> {
  const dataKey = randomBytes(32);
  const regex = options.encryptedRegex !== undefined ? new RegExp(options.encryptedRegex) : undefined;
  const hash = createHash("sha512");
  const encrypted = walk(document, [], "", (value, aad) => {
    hash.update(macBytes(value));
    const keys = aad.split(":").slice(0, -1);
    const selected = regex ? keys.some((k) => regex.test(k)) : !keys.some((k) => k.endsWith("_unencrypted"));
    return selected ? encryptValue(value, dataKey, aad) : value;
  }) as JsonObject;
  // One age file per recipient, as sops writes them.
  const { Encrypter, armor } = await age();
  const stanzas: JsonObject[] = [];
  for (const recipient of options.recipients) {
    const encrypter = new Encrypter();
    encrypter.addRecipient(recipient);
    stanzas.push({ recipient, enc: armor.encode(await encrypter.encrypt(dataKey)) });
  }
  const pgp: JsonObject[] = [];
  if (options.pgpRecipients?.length) {
    const { readKey, createMessage, encrypt } = await openpgp();
    for (const armoredKey of options.pgpRecipients) {
      const key = await readKey({ armoredKey });
      const enc = await encrypt({ message: await createMessage({ binary: new Uint8Array(dataKey) }), encryptionKeys: key, format: "armored" });
      pgp.push({ created_at: options.lastModified, enc: String(enc).trimEnd(), fp: key.getFingerprint().toUpperCase() });
    }
  }
  const sops: JsonObject = {
    ...(stanzas.length > 0 ? { age: stanzas } : {}),
    ...(pgp.length > 0 ? { pgp } : {}),
    lastmodified: options.lastModified,
    mac: encryptValue(hash.digest("hex").toUpperCase(), dataKey, options.lastModified),
    ...(options.encryptedRegex !== undefined ? { encrypted_regex: options.encryptedRegex } : { unencrypted_suffix: "_unencrypted" }),
    version: "3.10.2",
  };
  return { ...encrypted, sops };
}

function encryptValue(value: JsonValue, key: Buffer, aad: string): string {
  const type = typeof value === "boolean" ? "bool" : typeof value === "number" ? (Number.isInteger(value) ? "int" : "float") : "str";
  const iv = randomBytes(32);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const data = Buffer.concat([cipher.update(macBytes(value)), cipher.final()]);
  return `ENC[AES256_GCM,data:${data.toString("base64")},iv:${iv.toString("base64")},tag:${cipher.getAuthTag().toString("base64")},type:${type}]`;
}
