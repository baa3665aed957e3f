/**
 * The built-in actions of SPEC §5, each an {@linkcode ActionPlugin} like a user plug-in's.
 * @module
 */
export { builtinActions } from "./builtin_actions.ts";
export { emailAction } from "./email_action.ts";
export {
  eventLogFile,
  eventLogFileAction,
  type EventLogFileOptions,
} from "./eventlogfile_action.ts";
export { escapeControl, formatEventLine } from "./_event_line.ts";
export { runCommand, runCommandAction, type RunCommandOptions } from "./run_command_action.ts";
export { sessionlogAction } from "./sessionlog_action.ts";
export { slackAction } from "./slack_action.ts";
export { statsdAction } from "./statsd_action.ts";
export { syslogAction } from "./syslog_action.ts";
export { webhookAction } from "./webhook_action.ts";
