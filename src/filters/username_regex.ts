import type { FilterPlugin } from "../plugins/mod.ts";
import { regexesOf, SESSION_EVENT_TYPES, stringField } from "./_match.ts";

/** `username_regex`: a regular expression matches somewhere in the user name. */
export function usernameRegexFilter(): FilterPlugin {
  return {
    kind: "filter",
    name: "username_regex",
    description: "A regular expression matches the user name anywhere (anchor with ^…$)",
    triggers: [...SESSION_EVENT_TYPES, "connection_auth_failed"],
    create(argument) {
      const patterns = regexesOf(argument);
      return function matchUsernameRegex(event) {
        const username = stringField(event, "username");
        return patterns.some((pattern) => pattern.test(username));
      };
    },
  };
}
