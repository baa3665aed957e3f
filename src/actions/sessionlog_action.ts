import type { ActionPlugin } from "../plugins/mod.ts";
import { notImplementedHandler } from "./_not_implemented.ts";

/** Parameters of `sessionlog_action` (SPEC §5). */
export const SESSIONLOG_PARAMS = {
  log_directory: { type: "string", required: true, description: "Directory of the recordings" },
  timestamp_frequency_seconds: {
    type: "number",
    default: -1,
    description: "Time marker interval in the transcript, -1 for none",
  },
  record_input: { type: "boolean", default: false, description: "Also record keystrokes" },
} as const;

/** `sessionlog_action`: writes a transcript and an asciicast per session (validation only here). */
export function sessionlogAction(): ActionPlugin<typeof SESSIONLOG_PARAMS> {
  return {
    kind: "action",
    name: "sessionlog_action",
    description: "Records each session as a transcript and an asciicast (coming: #5)",
    params: SESSIONLOG_PARAMS,
    // TODO(#5): hand events to src/recorder (transcript + asciicast v2), in order, nothing lost.
    create: (_params, context) => notImplementedHandler("sessionlog_action", context),
  };
}
