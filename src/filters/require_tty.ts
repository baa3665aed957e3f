import type { FilterPlugin } from "../plugins/mod.ts";
import { booleanOf, numberField, SESSION_EVENT_TYPES } from "./_match.ts";

/** `require_tty`: when true, only sessions with a terminal pass (`false` lets all pass). */
export function requireTtyFilter(): FilterPlugin {
  return {
    kind: "filter",
    name: "require_tty",
    description: "When true, only sessions with a terminal pass",
    triggers: SESSION_EVENT_TYPES,
    create(argument) {
      const required = booleanOf(argument);
      return function matchTty(event) {
        return !required || numberField(event, "tty_id") >= 0;
      };
    },
  };
}
