import type { ActionPlugin } from "../plugins/mod.ts";
import { emailAction } from "./email_action.ts";
import { eventLogFileAction } from "./eventlogfile_action.ts";
import { runCommandAction } from "./run_command_action.ts";
import { sessionlogAction } from "./sessionlog_action.ts";
import { slackAction } from "./slack_action.ts";
import { statsdAction } from "./statsd_action.ts";
import { syslogAction } from "./syslog_action.ts";
import { webhookAction } from "./webhook_action.ts";

/** Creates every built-in action, in the order of SPEC §5. */
export function builtinActions(): ActionPlugin[] {
  return [
    eventLogFileAction(),
    sessionlogAction(),
    slackAction(),
    webhookAction(),
    emailAction(),
    syslogAction(),
    statsdAction(),
    runCommandAction(),
  ] as ActionPlugin[];
}
