import type { ActionPlugin } from "../plugins/mod.ts";
import { notImplementedHandler } from "./_not_implemented.ts";

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

/** `email_action`: sends an e-mail per event (validation only in this build). */
export function emailAction(): ActionPlugin<typeof EMAIL_PARAMS> {
  return {
    kind: "action",
    name: "email_action",
    description: "Sends an e-mail through an SMTP server (coming: #4)",
    params: EMAIL_PARAMS,
    check(params) {
      return (params.username === undefined) === (params.password === undefined)
        ? []
        : [`"username" and "password" must be given together`];
    },
    // TODO(#4): deliver with nodemailer (starttls, implicit TLS, none) and retry.
    create: (_params, context) => notImplementedHandler("email_action", context),
  };
}
