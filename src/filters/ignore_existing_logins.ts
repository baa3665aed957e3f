import { EVENT_TYPES, type FilterPlugin } from "../plugins/mod.ts";
import { booleanOf } from "./_match.ts";

/** `ignore_existing_logins`: when true, drops events of sessions that were open when the daemon started. */
export function ignoreExistingLoginsFilter(): FilterPlugin {
  return {
    kind: "filter",
    name: "ignore_existing_logins",
    description: "When true, events of sessions already open at daemon start are dropped",
    triggers: EVENT_TYPES,
    create(argument) {
      const ignore = booleanOf(argument);
      return function matchNewLogin(event) {
        const existing = (event as { existing?: unknown }).existing;
        if (existing !== undefined && typeof existing !== "boolean") {
          throw new TypeError(`Event field "existing" is not a boolean`);
        }
        return !ignore || existing !== true;
      };
    },
  };
}
