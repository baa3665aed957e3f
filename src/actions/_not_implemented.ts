import type { ActionContext, ActionHandler } from "../plugins/mod.ts";

/**
 * A handler for an action whose implementation comes in a later issue: it says so once, when
 * created, and drops events instead of pretending to deliver them.
 */
export function notImplementedHandler(plugin: string, context: ActionContext): ActionHandler {
  context.logger.warn(
    'Action "{action}" uses plug-in "{plugin}", which is not implemented in this build: its events are dropped',
    { action: context.name, plugin },
  );
  return {
    handle() {},
  };
}
