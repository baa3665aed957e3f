import { EVENT_TYPES, type FilterPlugin } from "../plugins/mod.ts";
import { booleanOf } from "./_match.ts";

/**
 * `ignore_existing_logins`: when true, drops the `connection_established` of sessions that were open
 * when the daemon started (reported then, as in the original); their later activity still passes.
 */
export function ignoreExistingLoginsFilter(): FilterPlugin {
  return {
    kind: "filter",
    name: "ignore_existing_logins",
    description: "When true, logins already open at daemon start (reported then) are dropped",
    triggers: EVENT_TYPES,
    create(argument) {
      const ignore = booleanOf(argument);
      return function matchNewLogin(event) {
        if (event.event_type !== "connection_established") return true;
        const existing = (event as { existing?: unknown }).existing;
        if (existing !== undefined && typeof existing !== "boolean") {
          throw new TypeError(`Event field "existing" is not a boolean`);
        }
        return !ignore || existing !== true;
      };
    },
  };
}
