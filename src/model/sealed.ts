/**
 * A value still sealed: SOPS writes every encrypted leaf of a document as `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`
 * (sops v3). Such values travel as they are through every layer until src/secrets/unseal.ts decrypts them (a resource
 * holding them is `sealed`, model/resource.ts): the parser, validation, the secret-field rules of kuma/secretFields.ts
 * and the differ all meet them, so the predicate is part of the model of a value, not of the decrypter.
 */
import type { JsonValue } from "./resource.js";

/** An encrypted leaf as sops v3 writes it; its groups are the ciphertext, the IV, the tag and the plaintext's type. */
export const ENCRYPTED_VALUE = /^ENC\[AES256_GCM,data:([A-Za-z0-9+/=]*),iv:([A-Za-z0-9+/=]+),tag:([A-Za-z0-9+/=]+),type:(str|int|float|bool|bytes|comment)\]$/;

/** A value written by SOPS (an encrypted leaf). */
export function isEncryptedValue(value: JsonValue | undefined): value is string {
  return typeof value === "string" && value.startsWith("ENC[") && ENCRYPTED_VALUE.test(value);
}
