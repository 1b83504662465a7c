#!/usr/bin/env node
/**
 * schemas/proto-field-order.json: each protobuf kind's message fields in their .proto declaration order, which is the
 * order jsonpb decodes them in (github.com/golang/protobuf v1.5.4 jsonpb/decode.go unmarshalMessage walks
 * `md.Fields()`), so the first error it meets, the one the API answers, is the first in this order. The schemas sort
 * their properties by name; the proto JSON schemas (protoc-gen-jsonschema, docs/generated/raw/protos/<Type>.json) keep
 * the declaration order (Mesh's mtls, tracing, logging, metrics, ... as in mesh.pb.go). Keyed by the message's place
 * (JSON names, `[]` for a list's items; "" for the kind's own fields), each place's fields by JSON name.
 * Usage: node scripts/generate-proto-field-order.mjs [--reference DIR]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const KUMA_VERSION = "v2.14.3";
const PROTO_TYPES = ["Mesh", "MeshGateway", "Dataplane"];
const argv = process.argv.slice(2);
const referenceDir = argv[0] === "--reference" ? argv[1] : join(REPO_ROOT, "..", "shared", "kuma-reference");

/** protoc's JSON name: underscores dropped, the letter after each upper-cased. */
const jsonName = (protoName) => protoName.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const refName = (ref) => ref.replace(/^#\/definitions\//, "");

function walk(definitions, name, at, out, seen) {
  const message = definitions[name];
  if (!message?.properties || seen.includes(name)) return;
  out[at] = Object.keys(message.properties).map(jsonName);
  for (const [field, schema] of Object.entries(message.properties)) {
    const place = at === "" ? jsonName(field) : `${at}.${jsonName(field)}`;
    const ref = schema.$ref ?? schema.items?.$ref;
    if (ref) walk(definitions, refName(ref), schema.$ref ? place : `${place}[]`, out, [...seen, name]);
  }
}

const order = {};
for (const typeName of PROTO_TYPES) {
  const file = join(referenceDir, "versions", KUMA_VERSION, `docs/generated/raw/protos/${typeName}.json`);
  const { $ref, definitions } = JSON.parse(readFileSync(file, "utf8"));
  const places = {};
  walk(definitions, refName($ref), "", places, []);
  order[typeName] = places;
}
writeFileSync(join(REPO_ROOT, "schemas", "proto-field-order.json"), `${JSON.stringify(order, null, 2)}\n`);
