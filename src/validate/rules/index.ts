/**
 * The control plane's semantic validation (what its `validate()` methods check after the schema), for one resource in
 * the Universal REST shape. Pure and total: any JSON is accepted and answered with violations, never an exception.
 */
import type { JsonObject, Violation } from "../../model/resource.js";
import type { ControlPlaneMode, Product } from "../../config/repoConfig.js";
import { POLICY_TYPE_NAMES } from "../../kuma/types.js";
import { isSet, objectOf, prop } from "./json.js";
import { metaViolations } from "./meta.js";
import { meshViolations } from "./mesh.js";
import { meshAccessLogViolations } from "./meshAccessLog.js";
import { meshCircuitBreakerViolations } from "./meshCircuitBreaker.js";
import { meshExternalServiceViolations } from "./meshExternalService.js";
import { meshFaultInjectionViolations } from "./meshFaultInjection.js";
import { meshHealthCheckViolations } from "./meshHealthCheck.js";
import { meshHTTPRouteViolations } from "./meshHTTPRoute.js";
import { meshLoadBalancingStrategyViolations } from "./meshLoadBalancingStrategy.js";
import { meshManagerChecks } from "./meshManager.js";
import { meshMetricViolations } from "./meshMetric.js";
import { meshMultiZoneServiceViolations } from "./meshMultiZoneService.js";
import { meshPassthroughViolations } from "./meshPassthrough.js";
import { meshProxyPatchViolations } from "./meshProxyPatch.js";
import { meshRateLimitViolations } from "./meshRateLimit.js";
import { meshRetryViolations } from "./meshRetry.js";
import { meshServiceViolations } from "./meshService.js";
import { meshTCPRouteViolations } from "./meshTCPRoute.js";
import { meshTimeoutViolations } from "./meshTimeout.js";
import { meshTLSViolations } from "./meshTLS.js";
import { meshTraceViolations } from "./meshTrace.js";
import { meshTrafficPermissionViolations } from "./meshTrafficPermission.js";
import { meshGatewayViolations } from "./meshGateway.js";
import { dataplaneViolations } from "./dataplane.js";
import { meshIdentityViolations, meshOpenTelemetryBackendViolations, meshTrustViolations, workloadViolations } from "./identity.js";
import { ALL_KINDS, affectsInbounds, validateTargetRef } from "./targetRef.js";
import { meshOPAViolations } from "./meshOPA.js";
import { meshGlobalRateLimitViolations } from "./meshGlobalRateLimit.js";
import { hostnameGeneratorViolations } from "./hostnameGenerator.js";

/** What rules may depend on besides the resource: the target control plane. */
export interface RuleContext {
  readonly product: Product;
  readonly mode: ControlPlaneMode;
  /** controlPlane.version: rules whose matrix changed between lines read it (MeshOPA). */
  readonly version?: string;
}

export const DEFAULT_RULE_CONTEXT: RuleContext = { product: "kuma", mode: "zone" };

/** A policy's rules: its spec, the target, and the whole resource for the few rules that read its labels. */
type SpecRules = (spec: JsonObject, context: RuleContext, resource: JsonObject) => Violation[];

const POLICY_RULES: Readonly<Record<string, SpecRules>> = {
  MeshTimeout: meshTimeoutViolations,
  MeshRetry: meshRetryViolations,
  MeshCircuitBreaker: meshCircuitBreakerViolations,
  MeshHTTPRoute: meshHTTPRouteViolations,
  MeshTrafficPermission: meshTrafficPermissionViolations,
  MeshAccessLog: meshAccessLogViolations,
  MeshFaultInjection: meshFaultInjectionViolations,
  MeshHealthCheck: meshHealthCheckViolations,
  MeshLoadBalancingStrategy: meshLoadBalancingStrategyViolations,
  MeshMetric: meshMetricViolations,
  MeshPassthrough: meshPassthroughViolations,
  MeshProxyPatch: meshProxyPatchViolations,
  MeshRateLimit: meshRateLimitViolations,
  MeshTCPRoute: meshTCPRouteViolations,
  MeshTLS: meshTLSViolations,
  MeshTrace: meshTraceViolations,
  // kong: Kong Mesh-only policies
  MeshOPA: meshOPAViolations,
  MeshGlobalRateLimit: meshGlobalRateLimitViolations,
};

/** Non-policy types: their validators read the name (display name) or flat fields besides the spec, so they get the whole resource. */
const SERVICE_RULES: Readonly<Record<string, (resource: JsonObject) => Violation[]>> = {
  MeshService: meshServiceViolations,
  MeshExternalService: meshExternalServiceViolations,
  MeshMultiZoneService: meshMultiZoneServiceViolations,
  // kinds group: validators that read the whole resource (MeshGateway is flat; Workload reads its display name).
  MeshGateway: meshGatewayViolations,
  Dataplane: dataplaneViolations,
  MeshTrust: meshTrustViolations,
  MeshIdentity: meshIdentityViolations,
  MeshOpenTelemetryBackend: meshOpenTelemetryBackendViolations,
  Workload: workloadViolations,
  HostnameGenerator: hostnameGeneratorViolations,
};

const TARGET_REF_POLICIES = new Set(POLICY_TYPE_NAMES);

/**
 * Violations for `object` of type `typeName`, in the control plane's order where it has one. Policies are
 * `{type, mesh, name, labels, spec}` (paths `spec.…`); a Mesh is flat (paths `mtls.…`).
 */
export function semanticViolations(typeName: string, object: JsonObject, context: RuleContext = DEFAULT_RULE_CONTEXT): Violation[] {
  const resource = objectOf(object) ?? {};
  const meta = metaViolations(typeName, resource);
  if (typeName === "Mesh") {
    // The Mesh manager's checks run only on a Mesh its validator accepted.
    const validator = meshViolations(resource, context.product);
    return [...meta, ...validator, ...(validator.length === 0 ? meshManagerChecks(resource, context.product).violations : [])];
  }
  const serviceRules = SERVICE_RULES[typeName];
  if (serviceRules !== undefined) return [...meta, ...serviceRules(resource)];
  // A missing or malformed spec is the schema check's to report; its parts read as absent here.
  const spec = objectOf(prop(resource, "spec")) ?? {};
  const rules = POLICY_RULES[typeName];
  if (rules !== undefined) return [...meta, ...rules(spec, context, resource)];
  if (TARGET_REF_POLICIES.has(typeName)) return [...meta, ...genericTopLevelTargetRef(spec)];
  return meta;
}

/** What the control plane checks that cannot be decided offline (its secrets, files, CAs): warnings that say why. */
export function semanticWarnings(typeName: string, object: JsonObject, context: RuleContext = DEFAULT_RULE_CONTEXT): Violation[] {
  const resource = objectOf(object) ?? {};
  if (typeName !== "Mesh" || meshViolations(resource, context.product).length > 0) return [];
  return meshManagerChecks(resource, context.product).warnings;
}

/**
 * For policies without specific rules here: the shared targetRef checks on the top-level ref, allowing every kind the
 * schema allows (the per-policy kind lists live in each validator and are not replicated).
 */
function genericTopLevelTargetRef(spec: JsonObject): Violation[] {
  const targetRef = prop(spec, "targetRef");
  if (!isSet(targetRef)) return [];
  return validateTargetRef("spec.targetRef", targetRef, {
    supportedKinds: ALL_KINDS,
    gatewayListenerTagsAllowed: true,
    isInboundPolicy: affectsInbounds(spec),
  });
}
