/** Padded standard base64, as Go's base64.StdEncoding decodes it. */
const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Whether Go decodes `text` as base64 the way all of Kuma's readers do: encoding/json for a []byte field (also what
 * jsonpb, Kuma's protobuf decoder, uses for bytes and BytesValue: padded, standard alphabet, unlike protojson), and
 * go-yaml v2 for a `!!binary` scalar (base64.StdEncoding, which skips line breaks).
 */
export function isGoBase64(text: string): boolean {
  return STD_BASE64.test(text.replace(/[\r\n]/g, "")) || goBase64ErrorOffset(text) === undefined;
}

const ALPHABET = /[A-Za-z0-9+/]/;
const isLineBreak = (c: string | undefined) => c === "\n" || c === "\r";

/**
 * Where base64.StdEncoding stops on `text`: the offset its CorruptInputError names (`illegal base64 data at input byte
 * 4`), undefined when it decodes. A port of Go's decodeQuantum (encoding/base64), line breaks skipped as there. Only
 * the offset is ever shown, never the text: it may be a Secret's value.
 */
export function goBase64ErrorOffset(text: string): number | undefined {
  let si = 0;
  while (si < text.length || si === 0) {
    let j = 0;
    for (; j < 4; j++) {
      if (si === text.length) {
        if (j === 0) return undefined;
        return si - j;
      }
      const c = text[si++] as string;
      if (ALPHABET.test(c)) continue;
      if (isLineBreak(c)) {
        j--;
        continue;
      }
      if (c !== "=" || j < 2) return si - 1;
      if (j === 2) {
        // "==" is expected, the first "=" is consumed.
        while (si < text.length && isLineBreak(text[si])) si++;
        if (si === text.length) return text.length;
        if (text[si] !== "=") return si - 1;
        si++;
      }
      while (si < text.length && isLineBreak(text[si])) si++;
      return si < text.length ? si : undefined;
    }
    if (si === text.length) return undefined;
  }
  return undefined;
}

/**
 * Bytes written as a JSON array, as encoding/json reads one into a []byte (jsonpb reads bytes and BytesValue so): each
 * item a uint8, a null item 0. As padded standard base64, the form Kuma prints them in; undefined when an item is not a
 * byte, which Go's decoder refuses (`json: cannot unmarshal number 256 into Go value of type uint8`). A number's
 * spelling is gone once parsed: `1.0` and `1e2`, which Go's strconv.ParseUint refuses, are taken here.
 */
export function base64OfByteList(items: readonly unknown[]): string | undefined {
  const bytes = new Uint8Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item === null) continue;
    if (typeof item !== "number" || !Number.isInteger(item) || item < 0 || item > 255 || Object.is(item, -0)) return undefined;
    bytes[i] = item;
  }
  return Buffer.from(bytes).toString("base64");
}
