import type { ActionPlugin } from "../plugins/mod.ts";
import { notImplementedHandler } from "./_not_implemented.ts";

/** Parameters of `slack_action` (SPEC §5). */
export const SLACK_PARAMS = {
  slack_webhook_url: {
    type: "string",
    required: true,
    secret: true,
    description: "Incoming-webhook URL of the Slack app",
  },
} as const;

/** `slack_action`: posts a message per event to a Slack webhook (validation only in this build). */
export function slackAction(): ActionPlugin<typeof SLACK_PARAMS> {
  return {
    kind: "action",
    name: "slack_action",
    description: "Posts a message to a Slack incoming webhook (coming: #4)",
    params: SLACK_PARAMS,
    check(params) {
      return /^https?:\/\//.test(params.slack_webhook_url)
        ? []
        : [`"slack_webhook_url" must be an http(s) URL`];
    },
    // TODO(#4): post escaped messages with @slack/webhook, honour 429 Retry-After.
    create: (_params, context) => notImplementedHandler("slack_action", context),
  };
}
