/**
 * The SNIs of a destination (MeshService, MeshExternalService, MeshMultiZoneService): one per port, named by the port's
 * section. The server renders them as `snis` and warns, on PUT, of a name that cannot be one (each type's deprecated.go).
 */
import { asJsonObject, type JsonObject, type JsonValue } from "../model/resource.js";

/** One port of a destination and its section name: the port's name, else its number (each type's GetName()). */
export interface SniSection {
  readonly port: JsonValue;
  readonly section: string;
  /** Where the section is written in the spec: the port's name, else its number. */
  readonly field: string;
}

/** Destination types the server answers with `snis` (one per port), and their ports' sections (each type's SNIs()). */
export const SNI_SECTIONS: Readonly<Record<string, (spec: JsonObject) => SniSection[]>> = {
  // MeshService's GetName() takes a name that is set even when empty; MeshMultiZoneService's only a non-empty one.
  MeshService: (spec) => sectionsOf(spec.ports, (name) => typeof name === "string"),
  MeshMultiZoneService: (spec) => sectionsOf(spec.ports, (name) => typeof name === "string" && name !== ""),
  MeshExternalService: (spec) => {
    const port = asJsonObject(spec.match)?.port;
    return port !== undefined ? [{ port, section: String(port), field: "match.port" }] : [];
  },
};

function sectionsOf(ports: JsonValue | undefined, named: (name: JsonValue | undefined) => boolean): SniSection[] {
  const sections: SniSection[] = [];
  (Array.isArray(ports) ? ports : []).forEach((entry, i) => {
    const port = asJsonObject(entry)?.port;
    if (port === undefined) return;
    const name = asJsonObject(entry)?.name;
    sections.push(named(name) ? { port, section: String(name), field: `ports[${i}].name` } : { port, section: String(port), field: `ports[${i}].port` });
  });
  return sections;
}
