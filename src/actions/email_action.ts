import nodemailer from "nodemailer";
import type { ActionHandler, ActionPlugin, ParamValues, PluginLogger } from "../plugins/mod.ts";
import { substituteFields } from "./_event_env.ts";
import { escapeControl } from "./_event_line.ts";
import {
  DEFAULT_RETRY,
  PermanentError,
  retryBudgetMs,
  type RetryPolicy,
  withRetries,
} from "./_retry.ts";
import { errorMessage } from "../error_message.ts";

/** Parameters of `email_action` (SPEC §5). */
export const EMAIL_PARAMS = {
  sender: { type: "string", required: true, description: "From address" },
  recipient: { type: "string_or_list", required: true, description: "To address or addresses" },
  subject: { type: "string", required: true, description: "Subject line" },
  body: { type: "string", default: "", description: "Message text" },
  smtp_server: { type: "string", required: true, description: "SMTP host" },
  smtp_port: { type: "integer", required: true, min: 1, max: 65535, description: "SMTP port" },
  username: { type: "string", description: "SMTP login" },
  password: { type: "string", secret: true, description: "SMTP password" },
  tls: {
    type: "string",
    default: "starttls",
    choices: ["starttls", "implicit", "none"],
    description: "Transport security",
  },
} as const;

/** Options of {@linkcode email}, as validated from YAML. */
export type EmailOptions = ParamValues<typeof EMAIL_PARAMS>;

/** What {@linkcode email} needs besides its parameters. */
export interface EmailContext {
  readonly logger?: PluginLogger;
  /** How deliveries are retried [DEFAULT_RETRY]. */
  readonly retry?: RetryPolicy;
  /** CA certificates (PEM) trusted besides the system's, for a server with a private CA. */
  readonly ca?: string[];
  /** Longest time one SMTP exchange may take, ms [30000]. */
  readonly requestTimeoutMs?: number;
}

/** The subject and text of the mail for an event: `{{field}}` replaced once, never re-expanded. */
export function emailContent(
  options: EmailOptions,
  event: Parameters<ActionHandler["handle"]>[0],
): {
  subject: string;
  text: string;
} {
  return {
    // A header cannot hold line breaks: user text is shown escaped there, verbatim in the body.
    subject: escapeControl(substituteFields(options.subject, event)),
    text: substituteFields(options.body, event),
  };
}

function isPermanent(error: unknown): boolean {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === "number" && code >= 500 && code < 600;
}

/**
 * Sends an e-mail per event through an SMTP server (STARTTLS required, implicit TLS or none),
 * with `{{field}}` placeholders in subject and body; retries transient failures, not 5xx answers.
 */
export function email(options: EmailOptions, context: EmailContext = {}): ActionHandler {
  const policy = context.retry ?? DEFAULT_RETRY;
  const requestTimeoutMs = context.requestTimeoutMs ?? 30_000;
  const transport = nodemailer.createTransport({
    host: options.smtp_server,
    port: options.smtp_port,
    secure: options.tls === "implicit",
    requireTLS: options.tls === "starttls",
    ignoreTLS: options.tls === "none",
    connectionTimeout: requestTimeoutMs,
    greetingTimeout: requestTimeoutMs,
    socketTimeout: requestTimeoutMs,
    ...(options.username !== undefined && options.password !== undefined
      ? { auth: { user: options.username, pass: options.password } }
      : {}),
    ...(context.ca ? { tls: { ca: context.ca } } : {}),
  });
  const to = typeof options.recipient === "string" ? [options.recipient] : options.recipient;
  return {
    timeoutMs: retryBudgetMs(policy, requestTimeoutMs),
    concurrency: 2,
    async handle(event, call) {
      const content = emailContent(options, event);
      await withRetries(async () => {
        try {
          await transport.sendMail({ from: options.sender, to, ...content });
        } catch (error) {
          const message = errorMessage(error);
          if (isPermanent(error)) {
            throw new PermanentError(`SMTP server refused the mail: ${message}`, { cause: error });
          }
          throw new Error(`Cannot send mail: ${message}`, { cause: error });
        }
      }, {
        policy,
        signal: call.signal,
        onRetry: (error, attempt, waitMs) =>
          context.logger?.debug("E-mail try {attempt} failed, retrying in {waitMs} ms: {error}", {
            attempt,
            waitMs,
            error: errorMessage(error),
            rule: call.rule,
          }),
      });
    },
    close() {
      transport.close();
    },
  };
}

/** `email_action`: sends an e-mail per event. */
export function emailAction(): ActionPlugin<typeof EMAIL_PARAMS> {
  return {
    kind: "action",
    name: "email_action",
    description: "Sends an e-mail through an SMTP server",
    params: EMAIL_PARAMS,
    check(params) {
      return (params.username === undefined) === (params.password === undefined)
        ? []
        : [`"username" and "password" must be given together`];
    },
    create: (params, context) => email(params, { logger: context.logger }),
  };
}
