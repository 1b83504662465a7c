/**
 * An error as one line for a log, a status or a note: credentials removed, causes joined. Its own module (no logger):
 * the CLI's one-shot commands say errors this way too, and must not load the daemon's logging to do it.
 */

/** Removes the user and password of URLs in a text (a Git remote may carry a token: https://x:TOKEN@host/...). */
export function withoutCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, "$1***@");
}

/**
 * A URL as written by a user, as an error may name it: without what a token may hide in. A URL with an authority
 * (`http://`) loses its userinfo, query and fragment; anything else (`10.0.0.1:5681`, `kuma:TOKEN@host`, which parses
 * as an opaque URL of scheme `kuma:`) loses what comes before an `@` and from a `?` or `#` on, each marked `…`.
 */
export function urlForMessage(text: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      const url = new URL(text);
      url.username = "";
      url.password = "";
      url.search = "";
      url.hash = "";
      return url.href;
    } catch {
      // Not parsed: cut below, as any other text.
    }
  }
  const at = text.lastIndexOf("@");
  const host = at < 0 ? text : `…@${text.slice(at + 1)}`;
  const cut = host.search(/[?#]/);
  return cut < 0 ? host : `${host.slice(0, cut)}…`;
}

/** The message of an error on one line (Git's are several), credentials removed: what a log line or the status may show. */
export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error && !message.includes(error.cause.message) ? `: ${error.cause.message}` : "";
  const oneLine = `${message}${cause}`
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .join(" | ");
  return withoutCredentials(oneLine.length > 600 ? `${oneLine.slice(0, 600)}...` : oneLine);
}
