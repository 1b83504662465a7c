/**
 * Outbound HTTP through the proxy the environment names: `HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY` (lower case first,
 * as curl and undici's EnvHttpProxyAgent read them). Node 20's http/https modules and its bundled fetch ignore these
 * variables, so every client of ours (the control-plane backend, notifications) asks `agentFor` for its agent.
 *
 * https targets go through a CONNECT tunnel (TLS end to end, the proxy sees only the host), http targets are sent to
 * the proxy with the absolute URL. `proxyFor` is pure: which proxy, if any, a URL goes through.
 */
import http from "node:http";
import https from "node:https";
import { HttpProxyAgent } from "http-proxy-agent";
import { HttpsProxyAgent } from "https-proxy-agent";
import { urlForMessage } from "./errorMessage.js";

export type Environment = Readonly<Record<string, string | undefined>>;

function variable(env: Environment, name: string): string | undefined {
  const value = env[name.toLowerCase()] ?? env[name.toUpperCase()];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/**
 * The proxy for `target`, or undefined to connect directly. NO_PROXY holds host names, `.domain` or `*.domain`
 * suffixes (a bare `domain` matches its subdomains too), IP addresses, each optionally with `:port`, or `*` for all.
 */
export function proxyFor(target: URL, env: Environment): URL | undefined {
  const scheme = target.protocol.replace(/:$/, "");
  if (scheme !== "http" && scheme !== "https") return undefined;
  const proxy = variable(env, `${scheme}_proxy`);
  if (proxy === undefined || bypassed(target, variable(env, "no_proxy") ?? "")) return undefined;
  try {
    // A proxy given as host:port is an http proxy, as curl reads it.
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`);
  } catch {
    throw new Error(`${scheme.toUpperCase()}_PROXY is not a URL: ${proxyForMessage(proxy)}`);
  }
}

function bypassed(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = target.port || (target.protocol === "https:" ? "443" : "80");
  for (const raw of noProxy.toLowerCase().split(/[\s,]+/)) {
    if (raw === "") continue;
    if (raw === "*") return true;
    // An unbracketed IPv6 address (`::1`) has no port: its last colon is part of it.
    const match = !raw.startsWith("[") && raw.split(":").length > 2 ? [raw, raw, undefined] : /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(raw);
    const entry = (match?.[1] ?? raw).replace(/^\*?\./, ".");
    if (match?.[2] !== undefined && match[2] !== port) continue;
    const suffix = entry.startsWith(".") ? entry : `.${entry}`;
    if (host === entry.replace(/^\./, "") || host.endsWith(suffix)) return true;
  }
  return false;
}

/** A proxy URL fit for a log line or an error (util/errorMessage.ts urlForMessage), as written: no trailing slash. */
export function proxyForMessage(url: string): string {
  return urlForMessage(url).replace(/\/$/, "");
}

export interface AgentSettings {
  readonly proxy: URL | undefined;
  readonly keepAlive?: boolean;
  readonly maxSockets?: number;
  /** PEM CAs trusted for an https target (and for an https proxy). */
  readonly ca?: string;
}

/** The agent for requests to `target`'s origin: direct, or through `settings.proxy`. */
export function agentFor(target: URL, settings: AgentSettings): http.Agent {
  const secure = target.protocol === "https:";
  const options = {
    keepAlive: settings.keepAlive ?? true,
    ...(settings.maxSockets === undefined ? {} : { maxSockets: settings.maxSockets }),
  };
  const tls = settings.ca === undefined ? {} : { ca: settings.ca };
  if (settings.proxy === undefined) return secure ? new https.Agent({ ...options, ...tls }) : new http.Agent(options);
  return secure ? new TunnelAgent(settings.proxy, { ...options, ...tls }, tls) : new HttpProxyAgent(settings.proxy, options);
}

/** An https-over-CONNECT agent whose TLS options (the CA) also apply to the target inside the tunnel, not just the proxy. */
class TunnelAgent extends HttpsProxyAgent<string> {
  readonly #targetTls: { readonly ca?: string };

  constructor(proxy: URL, options: ConstructorParameters<typeof HttpsProxyAgent<string>>[1], targetTls: { readonly ca?: string }) {
    super(proxy, options);
    this.#targetTls = targetTls;
  }

  override connect(req: http.ClientRequest, opts: Parameters<HttpsProxyAgent<string>["connect"]>[1]): ReturnType<HttpsProxyAgent<string>["connect"]> {
    return super.connect(req, { ...opts, ...this.#targetTls });
  }
}
