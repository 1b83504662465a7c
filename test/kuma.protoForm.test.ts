/**
 * The one walk of a protobuf kind's messages (kuma/protoForm.ts), seen through its two uses: what jsonpb reads
 * (withoutProtoNulls: a null member is an unset field) and what it prints (stripProtoZeroValues: zero values omitted,
 * enums by name). Both walk messages and lists of messages and nothing else: a Struct (`conf`) and a map keep their
 * nulls and zeros; neither changes its input, and a message with nothing to change comes back as itself (validation
 * looks for nulls only when an object fails, and compares by identity).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { stripProtoZeroValues, withoutProtoNulls } from "../src/kuma/protoForm.js";
import { propertySchema, protoFieldOrder, schemaFor } from "../src/kuma/schemas.js";
import type { JsonObject } from "../src/model/resource.js";

const gateway = (listener: JsonObject): JsonObject => ({
  type: "MeshGateway",
  mesh: "default",
  name: "edge",
  selectors: [{ match: { "kuma.io/service": "edge" } }],
  conf: { listeners: [listener] },
});

test("withoutProtoNulls drops null members of messages and of lists of messages, reads a map's null value as \"\" (json.Unmarshal into a Go string), and returns an object without any as itself", () => {
  const schema = schemaFor("MeshGateway");
  const clean = gateway({ port: 8080, protocol: "HTTP" });
  assert.equal(withoutProtoNulls(clean, schema), clean);
  const written = gateway({ port: 8080, protocol: "HTTP", hostname: null, tags: { team: null } });
  const before = JSON.stringify(written);
  assert.deepEqual(withoutProtoNulls(written, schema), gateway({ port: 8080, protocol: "HTTP", tags: { team: "" } }));
  assert.equal(JSON.stringify(written), before, "the input is left as it was");
});

test("stripProtoZeroValues prints as jsonpb does, through the same walk: zeros and empty lists omitted, messages kept, enums by name", () => {
  const schema = schemaFor("Dataplane");
  const fields: JsonObject = {
    networking: {
      address: "10.0.0.1",
      inbound: [{ port: "8080", servicePort: 0, state: 0, tags: { "kuma.io/service": "web" }, serviceProbe: { healthyThreshold: 0 } }],
      outbound: [],
      transparentProxying: { ipFamilyMode: 2, reachableServices: [] },
      gateway: null,
    },
    metrics: { type: "prometheus", conf: { port: 0, tags: {} } },
  };
  const before = JSON.stringify(fields);
  assert.deepEqual(stripProtoZeroValues(fields, schema, ""), {
    networking: {
      address: "10.0.0.1",
      // A wrapper (UInt32Value) is printed even when 0; the state's zero value is not.
      inbound: [{ port: 8080, tags: { "kuma.io/service": "web" }, serviceProbe: { healthyThreshold: 0 } }],
      transparentProxying: { ipFamilyMode: "IPv4" },
    },
    // A google.protobuf.Struct is kept as sent.
    metrics: { type: "prometheus", conf: { port: 0, tags: {} } },
  });
  assert.equal(JSON.stringify(fields), before, "the input is left as it was");
});

test("the committed .proto field order names each message's fields exactly as the kind's schema does, at every place it lists", () => {
  // schemas/proto-field-order.json comes from the proto JSON schemas, the schemas from rest.yaml: the same fields, so the
  // order decides which decode error the embedded control plane answers for every field, none left unranked.
  for (const typeName of ["Mesh", "MeshGateway", "Dataplane"]) {
    const order = protoFieldOrder(typeName) ?? {};
    assert.ok(Object.keys(order).length > 5, `${typeName} has its messages' order`);
    for (const [place, fields] of Object.entries(order)) {
      let node = schemaFor(typeName);
      for (const segment of place === "" ? [] : place.split(".")) {
        node = node && propertySchema(node, segment.replace(/\[\]$/, ""));
        if (segment.endsWith("[]")) node = node?.items as JsonObject | undefined;
      }
      const properties = Object.keys((node?.properties as JsonObject | undefined) ?? {}).filter((key) => place !== "" || !["type", "mesh", "name", "labels"].includes(key));
      assert.deepEqual([...fields].sort(), properties.sort(), `${typeName} ${place || "(its own fields)"}`);
    }
  }
  assert.deepEqual(protoFieldOrder("Mesh")?.[""]?.slice(0, 4), ["mtls", "tracing", "logging", "metrics"], "mesh.pb.go's order, not the names'");
});
