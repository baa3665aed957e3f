import { IncomingWebhook } from "@slack/webhook";
import type { ActionHandler, ActionPlugin, ParamValues, PluginLogger } from "../plugins/mod.ts";
import { checkHttpStatus, describeFetchError, timeoutSignal } from "./_http.ts";
import { DEFAULT_RETRY, retryBudgetMs, type RetryPolicy, withRetries } from "./_retry.ts";
import { slackText } from "./_slack_message.ts";
import { errorMessage } from "../error_message.ts";

/** Parameters of `slack_action` (SPEC §5). */
export const SLACK_PARAMS = {
  slack_webhook_url: {
    type: "string",
    required: true,
    secret: true,
    description: "Incoming-webhook URL of the Slack app",
  },
} as const;

/** Options of {@linkcode slack}, as validated from YAML. */
export type SlackOptions = ParamValues<typeof SLACK_PARAMS>;

/** What {@linkcode slack} needs besides its parameters. */
export interface SlackContext {
  /** Where retries are logged. */
  readonly logger?: PluginLogger;
  /** How posts are retried [DEFAULT_RETRY]. */
  readonly retry?: RetryPolicy;
  /** Longest time one post may take, ms [10000]. */
  readonly requestTimeoutMs?: number;
}

interface Answer {
  status: number;
  retryAfter: string | null;
}

/**
 * Posts a readable, mrkdwn-escaped message per event to a Slack incoming webhook. The library
 * never retries (it throws at once on 429 and drops the headers), so a custom `fetch` records the
 * answer and the retries, with `Retry-After`, are scheduled here.
 */
export function slack(options: SlackOptions, context: SlackContext = {}): ActionHandler {
  const policy = context.retry ?? DEFAULT_RETRY;
  const requestTimeoutMs = context.requestTimeoutMs ?? 10_000;
  return {
    timeoutMs: retryBudgetMs(policy, requestTimeoutMs),
    concurrency: 4,
    async handle(event, call) {
      const text = slackText(event);
      await withRetries(async () => {
        const answer: Answer = { status: 0, retryAfter: null };
        const signal = timeoutSignal(call.signal, requestTimeoutMs);
        const hook = new IncomingWebhook(options.slack_webhook_url, {
          retryConfig: { retries: 0 },
          fetch: async (url, init) => {
            const response = await fetch(url, { ...init, signal });
            answer.status = response.status;
            answer.retryAfter = response.headers.get("Retry-After");
            return response;
          },
        });
        try {
          await hook.send({ text, unfurl_links: false, unfurl_media: false });
        } catch (error) {
          if (answer.status === 0) throw describeFetchError("Slack", error, signal);
          checkHttpStatus("Slack", answer.status, answer.retryAfter);
          throw error;
        }
      }, {
        policy,
        signal: call.signal,
        onRetry: (error, attempt, waitMs) =>
          context.logger?.debug("Slack try {attempt} failed, retrying in {waitMs} ms: {error}", {
            attempt,
            waitMs,
            error: errorMessage(error),
            rule: call.rule,
          }),
      });
    },
  };
}

/** `slack_action`: posts a message per event to a Slack incoming webhook. */
export function slackAction(): ActionPlugin<typeof SLACK_PARAMS> {
  return {
    kind: "action",
    name: "slack_action",
    description: "Posts a message to a Slack incoming webhook",
    params: SLACK_PARAMS,
    check(params) {
      return /^https?:\/\//.test(params.slack_webhook_url)
        ? []
        : [`"slack_webhook_url" must be an http(s) URL`];
    },
    create: (params, context) => slack(params, { logger: context.logger }),
  };
}
