/** Padded standard base64, as Go's base64.StdEncoding decodes it. */
const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Whether Go decodes `text` as base64 the way both of Kuma's readers do: encoding/json for a []byte field, and go-yaml
 * v2 for a `!!binary` scalar (base64.StdEncoding, which skips line breaks).
 */
export function isGoBase64(text: string): boolean {
  return STD_BASE64.test(text.replace(/[\r\n]/g, ""));
}
