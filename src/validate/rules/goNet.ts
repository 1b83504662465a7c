/**
 * The Go standard-library parsers the validators rely on, ported so that "valid" means what it means to the control
 * plane: `net.SplitHostPort` (logging TCP addresses), `url.Parse` and `url.ParseRequestURI` + `URL.Port()` (tracing and
 * logging URLs).
 * WHATWG `URL` differs from Go on both accepted input and port handling, so it is not used.
 */

/** `net.SplitHostPort`; undefined when Go returns an error. */
export function splitHostPort(hostport: string): { host: string; port: string } | undefined {
  const colon = hostport.lastIndexOf(":");
  if (colon < 0) return undefined; // missing port in address
  let host: string;
  let openAt = 0; // no '[' allowed from here on
  let closeAt = 0; // no ']' allowed from here on
  if (hostport.startsWith("[")) {
    const end = hostport.indexOf("]");
    if (end < 0) return undefined; // missing ']' in address
    if (end + 1 !== colon) return undefined; // missing port, or too many colons after ']'
    host = hostport.slice(1, end);
    openAt = 1;
    closeAt = end + 1;
  } else {
    host = hostport.slice(0, colon);
    if (host.includes(":")) return undefined; // too many colons in address
  }
  if (hostport.indexOf("[", openAt) >= 0) return undefined;
  if (hostport.indexOf("]", closeAt) >= 0) return undefined;
  return { host, port: hostport.slice(colon + 1) };
}

/** The parts of Go's `url.URL` the validators read. */
export interface GoURL {
  readonly scheme: string;
  readonly opaque: string;
  /** Whether the authority had a `userinfo@` part. */
  readonly hasUser: boolean;
  readonly host: string;
  readonly path: string;
  readonly rawQuery: string;
  readonly fragment: string;
}

/** `url.ParseRequestURI(raw)` followed by `.Port()`: undefined when parsing fails, else the port text ("" when none). */
export function requestUriPort(raw: string): string | undefined {
  const url = parseRequestURI(raw);
  return url === undefined ? undefined : urlPort(url.host);
}

/** `url.ParseRequestURI`: an absolute URI or path, with no fragment (a `#` stays in the path); undefined on error. */
export function parseRequestURI(raw: string): GoURL | undefined {
  return parseURL(raw, true);
}

/** `url.Parse`: any URL reference, the fragment split off first; undefined on error. */
export function parseGoURL(raw: string): GoURL | undefined {
  const hash = raw.indexOf("#");
  const url = parseURL(hash < 0 ? raw : raw.slice(0, hash), false);
  if (url === undefined || hash < 0) return url;
  const fragment = raw.slice(hash + 1);
  return hasValidEscapes(fragment) ? { ...url, fragment: unescapeAll(fragment) } : undefined;
}

/** Go's `parse(rawURL, viaRequest)` (net/url/url.go). */
function parseURL(raw: string, viaRequest: boolean): GoURL | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) return undefined; // invalid control character in URL
  if (raw === "" && viaRequest) return undefined;
  const empty: GoURL = { scheme: "", opaque: "", hasUser: false, host: "", path: "", rawQuery: "", fragment: "" };
  if (raw === "*") return { ...empty, path: "*" };
  const split = splitScheme(raw);
  if (split === undefined) return undefined;
  const { scheme } = split;
  let rest = split.rest;
  let rawQuery = "";
  if (rest.endsWith("?") && countOf(rest, "?") === 1) {
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf("?");
    if (q >= 0) {
      rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith("/")) {
    // A rootless path with a scheme is an opaque URL (`mailto:x`).
    if (scheme !== "") return { ...empty, scheme, opaque: rest, rawQuery };
    if (viaRequest) return undefined; // invalid URI for request
    if ((rest.split("/", 1)[0] ?? "").includes(":")) return undefined; // first path segment in URL cannot contain colon
  }
  let host = "";
  let hasUser = false;
  if ((scheme !== "" || (!viaRequest && !rest.startsWith("///"))) && rest.startsWith("//")) {
    let authority = rest.slice(2);
    rest = "";
    const slash = authority.indexOf("/");
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    const parsed = parseAuthority(authority);
    if (parsed === undefined) return undefined;
    host = parsed.host;
    hasUser = parsed.hasUser;
  }
  if (!hasValidEscapes(rest)) return undefined;
  return { ...empty, scheme, hasUser, host, path: unescapeAll(rest), rawQuery };
}

/** `getScheme`: the scheme ("" when there is none) and the rest; undefined for a leading ':'. */
function splitScheme(raw: string): { scheme: string; rest: string } | undefined {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] ?? "";
    if (/[a-zA-Z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return { scheme: "", rest: raw };
      continue;
    }
    if (c === ":") {
      if (i === 0) return undefined; // missing protocol scheme
      return { scheme: raw.slice(0, i).toLowerCase(), rest: raw.slice(i + 1) };
    }
    return { scheme: "", rest: raw };
  }
  return { scheme: "", rest: raw };
}

/** `parseAuthority`: the unescaped host and whether there was userinfo, or undefined on error. */
function parseAuthority(authority: string): { host: string; hasUser: boolean } | undefined {
  const at = authority.lastIndexOf("@");
  const host = parseHost(at < 0 ? authority : authority.slice(at + 1));
  if (host === undefined) return undefined;
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    if (!/^[a-zA-Z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo) || !hasValidEscapes(userinfo)) return undefined;
  }
  return { host, hasUser: at >= 0 };
}

function parseHost(host: string): string | undefined {
  if (host.startsWith("[")) {
    const close = host.lastIndexOf("]");
    if (close < 0) return undefined; // missing ']' in host
    if (!isValidOptionalPort(host.slice(close + 1))) return undefined;
  } else {
    const colon = host.lastIndexOf(":");
    if (colon !== -1 && !isValidOptionalPort(host.slice(colon))) return undefined;
  }
  return unescapeHost(host);
}

/** `unescape(host, encodeHost)`: ASCII characters a host may not contain, or a bad %-escape, fail. */
function unescapeHost(host: string): string | undefined {
  if (!hasValidEscapes(host)) return undefined;
  // Only non-ASCII bytes may be %-escaped in a host name (and "%25", the zone separator of an IPv6 literal).
  if (/%[0-7][0-9a-fA-F]/.test(host.replace(/%25/g, ""))) return undefined;
  for (const c of host) {
    if (c.charCodeAt(0) >= 0x80 || c === "%") continue;
    if (!/[a-zA-Z0-9!$&'()*+,;=:[\]<>"\-_.~]/.test(c)) return undefined;
  }
  return host.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function hasValidEscapes(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== "%") continue;
    if (!/^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) return false;
    i += 2;
  }
  return true;
}

function isValidOptionalPort(port: string): boolean {
  return port === "" || /^:[0-9]*$/.test(port);
}

/** `URL.Port()`: the digits after the last ':' when they form a valid port suffix. */
export function urlPort(host: string): string {
  const colon = host.lastIndexOf(":");
  return colon !== -1 && isValidOptionalPort(host.slice(colon)) ? host.slice(colon + 1) : "";
}

/** Percent-decoding of text already checked by `hasValidEscapes`. */
function unescapeAll(s: string): string {
  return s.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function countOf(s: string, c: string): number {
  return s.split(c).length - 1;
}
