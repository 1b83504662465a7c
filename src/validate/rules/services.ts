/**
 * What MeshService, MeshExternalService and MeshMultiZoneService validators share: their names are limited by DNS
 * (they become host names), read from the display name as the control plane does (`model.GetDisplayName`).
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import { objectOf, prop, stringOf, text, violation } from "./json.js";
import { LABEL_DISPLAY_NAME } from "../../kuma/server.js";

const MAX_SERVICE_NAME_LENGTH = 63;

/** The name a user gave the resource: the `kuma.io/display-name` label when set (Kubernetes, KDS), else its name. */
export function displayName(resource: JsonObject): string {
  return stringOf(prop(objectOf(prop(resource, "labels")), LABEL_DISPLAY_NAME)) ?? text(prop(resource, "name"));
}

/** `validators.ValidateLength(RootedAt("name"), 63, displayName)`; Go counts bytes. */
export function serviceNameViolations(resource: JsonObject): Violation[] {
  return Buffer.byteLength(displayName(resource), "utf8") > MAX_SERVICE_NAME_LENGTH
    ? [violation("name", `must not be longer than ${MAX_SERVICE_NAME_LENGTH} characters`)]
    : [];
}

/** Protocols a service port may declare (`core_meta.SupportedProtocols`, in Go's order). */
export const SUPPORTED_PROTOCOLS: readonly string[] = ["grpc", "http", "http2", "kafka", "tcp"];
