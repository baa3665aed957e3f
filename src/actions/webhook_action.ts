import type { ActionPlugin } from "../plugins/mod.ts";
import { notImplementedHandler } from "./_not_implemented.ts";

/** Parameters of `webhook_action` (SPEC §5). */
export const WEBHOOK_PARAMS = {
  webhook_url: { type: "string", required: true, secret: true, description: "URL to call" },
  do_get_request: { type: "boolean", default: false, description: "GET instead of POST" },
  secret: { type: "string", secret: true, description: "Key of the X-Sshlog-Signature HMAC" },
  timeout_seconds: { type: "number", default: 10, min: 0.1, description: "Request timeout" },
} as const;

/** `webhook_action`: sends each event to a URL as JSON (validation only in this build). */
export function webhookAction(): ActionPlugin<typeof WEBHOOK_PARAMS> {
  return {
    kind: "action",
    name: "webhook_action",
    description: "POSTs the event as JSON to a URL (coming: #4)",
    params: WEBHOOK_PARAMS,
    check(params) {
      return /^https?:\/\//.test(params.webhook_url)
        ? []
        : [`"webhook_url" must be an http(s) URL`];
    },
    // TODO(#4): POST/GET with HMAC signature, timeout and retries.
    create: (_params, context) => notImplementedHandler("webhook_action", context),
  };
}
