/**
 * `POST /api/webhook`: GitHub `push` events, trusted only when signed. GitHub signs the raw body with the shared secret
 * (HMAC-SHA256, header `X-Hub-Signature-256: sha256=<hex>`); the signature is checked before the body is even parsed,
 * and compared in constant time so an attacker cannot learn it byte by byte from response times.
 * Pure: the HTTP server hands over headers and body and sends back the answer.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Trigger } from "./queue.js";

export const SIGNATURE_HEADER = "x-hub-signature-256";

export interface WebhookRequest {
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  /** `sha256=<hex>` of the body when the server computed it while the body streamed in; else computed here. */
  readonly digest?: string;
}

export interface WebhookAnswer {
  readonly status: 200 | 202 | 400 | 401 | 404 | 409 | 413;
  readonly body: { readonly [key: string]: string | boolean };
  /** Set when the event asks for a reconcile. */
  readonly trigger?: Trigger;
}

export interface WebhookConfig {
  /** Without a secret the endpoint is off: an unauthenticated trigger would let anyone make the daemon fetch. */
  readonly secret: string | undefined;
  /** The tracked branch; undefined when the daemon follows whatever HEAD is (then every push counts). */
  readonly branch: string | undefined;
}

/** `sha256=<hex>` of the body, as GitHub computes it. */
export function signatureOf(secret: string, body: Buffer): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export function verifySignature(secret: string, body: Buffer, header: string | undefined, digest = signatureOf(secret, body)): boolean {
  if (!header) return false;
  const expected = Buffer.from(digest);
  const given = Buffer.from(header.trim());
  // timingSafeEqual needs equal lengths; the length of a valid signature is public anyway.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function answerWebhook(request: WebhookRequest, config: WebhookConfig): WebhookAnswer {
  if (config.secret === undefined) {
    return { status: 404, body: { error: "the webhook is off: start meshops watch with --webhook-secret-file" } };
  }
  if (!verifySignature(config.secret, request.body, request.headers[SIGNATURE_HEADER], request.digest)) {
    return { status: 401, body: { error: `missing or invalid ${SIGNATURE_HEADER} signature` } };
  }
  const event = request.headers["x-github-event"] ?? "";
  if (event === "ping") return { status: 200, body: { ok: true, event } };
  if (event !== "push") return { status: 200, body: { ok: true, ignored: `event "${event}" is not a push` } };

  const payload = parsePayload(request);
  if (!payload) return { status: 400, body: { error: "the push event's body is not JSON" } };
  const ref = typeof payload.ref === "string" ? payload.ref : "";
  if (config.branch !== undefined && ref !== `refs/heads/${config.branch}`) {
    return { status: 200, body: { ok: true, ignored: `push to ${ref || "an unknown ref"}, not refs/heads/${config.branch}` } };
  }
  const after = typeof payload.after === "string" ? payload.after.slice(0, 12) : "";
  return { status: 202, body: { ok: true, queued: true }, trigger: { kind: "webhook", detail: `push ${ref}${after ? ` ${after}` : ""}` } };
}

/**
 * What can be answered from the headers alone, before a byte of the body is read: the endpoint is off, the request is
 * unsigned, its declared length is over the cap, or its delivery was already received. Undefined: read the body.
 */
export function refuseBeforeBody(
  headers: Readonly<Record<string, string | undefined>>,
  config: WebhookConfig,
  maxBytes: number,
  deliveries: DeliveryLog,
): WebhookAnswer | undefined {
  if (config.secret === undefined) return answerWebhook({ headers, body: Buffer.alloc(0) }, config);
  if (!headers[SIGNATURE_HEADER]) return { status: 401, body: { error: `missing or invalid ${SIGNATURE_HEADER} signature` } };
  const declared = Number(headers["content-length"] ?? "0");
  if (!(declared <= maxBytes)) return { status: 413, body: { error: `the body is larger than ${maxBytes} bytes` } };
  return replayed(headers, deliveries);
}

/** A signed delivery already received: GitHub never sends one twice on its own, so this is a replay. */
export function replayed(headers: Readonly<Record<string, string | undefined>>, deliveries: DeliveryLog): WebhookAnswer | undefined {
  const id = headers[DELIVERY_HEADER];
  return id !== undefined && deliveries.has(id) ? { status: 409, body: { error: `delivery ${id} was already received` } } : undefined;
}

export const DELIVERY_HEADER = "x-github-delivery";

/**
 * The delivery IDs of the last `capacity` signed webhooks, oldest forgotten first: memory stays bounded whatever is
 * sent, and only signed requests are remembered, so nobody without the secret can fill it.
 */
export class DeliveryLog {
  readonly #ids = new Set<string>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  remember(id: string): void {
    this.#ids.delete(id);
    this.#ids.add(id);
    while (this.#ids.size > this.#capacity) this.#ids.delete(this.#ids.values().next().value as string);
  }
}

/** GitHub sends JSON, or with the form content type a `payload` field holding the same JSON. */
function parsePayload(request: WebhookRequest): Record<string, unknown> | undefined {
  let text = request.body.toString("utf8");
  if ((request.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
    text = new URLSearchParams(text).get("payload") ?? "";
  }
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `Authorization: Bearer <token>` against the expected token, in constant time. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? "");
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1].trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
