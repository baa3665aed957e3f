import type { ActionHandler, ActionPlugin, ParamValues, PluginLogger } from "../plugins/mod.ts";
import type { SshlogEvent } from "../plugins/mod.ts";
import { fieldText } from "./_event_env.ts";
import { checkHttpStatus, describeFetchError, timeoutSignal } from "./_http.ts";
import { DEFAULT_RETRY, retryBudgetMs, type RetryPolicy, withRetries } from "./_retry.ts";
import { errorMessage } from "../error_message.ts";

/** Parameters of `webhook_action` (SPEC §5). */
export const WEBHOOK_PARAMS = {
  webhook_url: { type: "string", required: true, secret: true, description: "URL to call" },
  do_get_request: { type: "boolean", default: false, description: "GET instead of POST" },
  secret: { type: "string", secret: true, description: "Key of the X-Sshlog-Signature HMAC" },
  timeout_seconds: { type: "number", default: 10, min: 0.1, description: "Request timeout" },
} as const;

/** Options of {@linkcode webhook}, as validated from YAML. */
export type WebhookOptions = ParamValues<typeof WEBHOOK_PARAMS>;

/** What {@linkcode webhook} needs besides its parameters. */
export interface WebhookContext {
  /** Where retries and failures are logged. */
  readonly logger?: PluginLogger;
  /** How requests are retried [DEFAULT_RETRY]. */
  readonly retry?: RetryPolicy;
}

/** The event as query parameters: scalars as text, `tcp_info` flattened, other objects as JSON. */
export function eventQuery(event: SshlogEvent): URLSearchParams {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(event as unknown as Record<string, unknown>)) {
    if (key === "tcp_info" && typeof value === "object" && value !== null) {
      for (const [inner, innerValue] of Object.entries(value)) {
        query.append(inner, fieldText(innerValue));
      }
    } else {
      query.append(key, fieldText(value));
    }
  }
  return query;
}

/** The hex HMAC-SHA256 of `text` under `secret`. */
export async function hmacHex(secret: string, text: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(text)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

interface Request {
  readonly url: string;
  readonly init: RequestInit;
}

async function buildRequest(options: WebhookOptions, event: SshlogEvent): Promise<Request> {
  const headers: Record<string, string> = { "User-Agent": "sshlog" };
  let url = options.webhook_url;
  let body: string | undefined;
  let signed: string;
  if (options.do_get_request) {
    const target = new URL(url);
    for (const [key, value] of eventQuery(event)) target.searchParams.append(key, value);
    url = target.href;
    signed = target.search.slice(1);
  } else {
    body = JSON.stringify(event);
    headers["Content-Type"] = "application/json";
    signed = body;
  }
  if (options.secret !== undefined) {
    headers["X-Sshlog-Signature"] = `sha256=${await hmacHex(options.secret, signed)}`;
  }
  const init: RequestInit = { method: options.do_get_request ? "GET" : "POST", headers };
  if (body !== undefined) init.body = body;
  return { url, init };
}

/**
 * Sends each event to a URL: POST with the event as JSON, or GET with its fields as a query
 * string; signs with HMAC-SHA256 when a secret is set; retries timeouts, 5xx and 429.
 */
export function webhook(options: WebhookOptions, context: WebhookContext = {}): ActionHandler {
  const policy = context.retry ?? DEFAULT_RETRY;
  const timeoutMs = options.timeout_seconds * 1000;
  return {
    timeoutMs: retryBudgetMs(policy, timeoutMs),
    concurrency: 4,
    async handle(event, call) {
      const request = await buildRequest(options, event);
      await withRetries(async () => {
        const signal = timeoutSignal(call.signal, timeoutMs);
        let response: Response;
        try {
          response = await fetch(request.url, { ...request.init, signal, redirect: "error" });
          await response.body?.cancel();
        } catch (error) {
          throw describeFetchError("Webhook", error, signal);
        }
        checkHttpStatus("Webhook", response.status, response.headers.get("Retry-After"));
      }, {
        policy,
        signal: call.signal,
        onRetry: (error, attempt, waitMs) =>
          context.logger?.debug("Webhook try {attempt} failed, retrying in {waitMs} ms: {error}", {
            attempt,
            waitMs,
            error: errorMessage(error),
            rule: call.rule,
          }),
      });
    },
  };
}

/** `webhook_action`: sends each event to a URL as JSON (or as a query string with GET). */
export function webhookAction(): ActionPlugin<typeof WEBHOOK_PARAMS> {
  return {
    kind: "action",
    name: "webhook_action",
    description: "POSTs the event as JSON to a URL, or GETs it with the fields as a query string",
    params: WEBHOOK_PARAMS,
    check(params) {
      return /^https?:\/\//.test(params.webhook_url)
        ? []
        : [`"webhook_url" must be an http(s) URL`];
    },
    create: (params, context) => webhook(params, { logger: context.logger }),
  };
}
