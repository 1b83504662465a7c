/**
 * Compiles a tenancy path pattern to a regular expression over `/`-separated relative paths: `**` any number of
 * folders, `*` and `?` within one segment, and `{mesh}` one segment captured as the bound mesh.
 */
export function compileTenancyPattern(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; ) {
    if (pattern.startsWith("{mesh}", i)) {
      source += "([^/]+)";
      i += "{mesh}".length;
    } else if (pattern.startsWith("**/", i)) {
      source += "(?:[^/]+/)*";
      i += 3;
    } else if (pattern.startsWith("**", i)) {
      source += ".*";
      i += 2;
    } else {
      const c = pattern[i] as string;
      source += c === "*" ? "[^/]*" : c === "?" ? "[^/]" : c.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
      i += 1;
    }
  }
  return new RegExp(`^${source}$`);
}
