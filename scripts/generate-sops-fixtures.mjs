#!/usr/bin/env node
// Writes the SOPS-encrypted test fixtures and sample-repo's encrypted Secret, with meshops's own encryptor
// (src/secrets/sops.ts, after `npm run build`) for the test age key in test/fixtures/sops/test-age-key.txt. There is no
// sops binary here; test/fixtures/sops/flux/ holds a file the real sops wrote, which the same tests decrypt.
//
// Encryption is randomized (fresh data key and IVs), so running this again rewrites every file: only run it when the
// plaintext below changes (or with --new-key, to replace the key), and commit the result.
//
//   npm run build && node scripts/generate-sops-fixtures.mjs [--new-key]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { stringify } from "yaml";
import { encryptDocument, parseAgeIdentities } from "../dist/src/secrets/sops.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURES = join(ROOT, "test", "fixtures", "sops");
const KEY_FILE = join(FIXTURES, "test-age-key.txt");
const LAST_MODIFIED = "2026-01-01T00:00:00Z";
const FLUX_REGEX = "^(data|stringData)$";

/**
 * The plaintext of every fixture. The values are test data, but the tests treat them as real secrets: they search
 * every output for them (and for their base64).
 */
const FILES = [
  {
    path: join(FIXTURES, "secret-universal.sops.yaml"),
    regex: "^data$",
    document: { type: "Secret", mesh: "default", name: "orders-db-password", data: Buffer.from("orders-db-Pa55word!").toString("base64") },
  },
  {
    path: join(FIXTURES, "secret-kubernetes.sops.yaml"),
    regex: FLUX_REGEX,
    document: {
      apiVersion: "v1",
      kind: "Secret",
      type: "system.kuma.io/secret",
      metadata: { name: "billing-api-token", namespace: "kuma-system", labels: { "kuma.io/mesh": "default" } },
      stringData: { value: "billing-token-7f3a9c" },
    },
  },
  {
    path: join(ROOT, "sample-repo", "meshes", "payments", "acquirer-credentials.sops.yaml"),
    regex: FLUX_REGEX,
    document: {
      apiVersion: "v1",
      kind: "Secret",
      type: "system.kuma.io/secret",
      metadata: { name: "acquirer-api-key", namespace: "kuma-system", labels: { "kuma.io/mesh": "payments", team: "payments" } },
      data: { value: Buffer.from("acq-live-key-SAMPLE-0042").toString("base64") },
    },
  },
];

async function testKey() {
  if (existsSync(KEY_FILE) && !process.argv.includes("--new-key")) return parseAgeIdentities(readFileSync(KEY_FILE, "utf8"))[0];
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  mkdirSync(FIXTURES, { recursive: true });
  writeFileSync(KEY_FILE, `# TEST KEY ONLY: it decrypts the test fixtures and sample-repo's Secret, and nothing else.\n# public key: ${recipient}\n${identity}\n`);
  return identity;
}

const recipient = await identityToRecipient(await testKey());
for (const file of FILES) {
  const encrypted = await encryptDocument(file.document, { recipients: [recipient], encryptedRegex: file.regex, lastModified: LAST_MODIFIED });
  // sops quotes the time, as YAML 1.1 readers would otherwise take it for a timestamp.
  const text = stringify(encrypted, { lineWidth: 0 }).replace(`lastmodified: ${LAST_MODIFIED}`, `lastmodified: "${LAST_MODIFIED}"`);
  writeFileSync(file.path, text);
  console.log(`wrote ${file.path.slice(ROOT.length + 1)}`);
}
