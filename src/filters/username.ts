import type { FilterPlugin } from "../plugins/mod.ts";
import { SESSION_EVENT_TYPES, stringField, stringsOf } from "./_match.ts";

/** `username`: the session's user is one of the names (`"*"` matches anyone, as in the original). */
export function usernameFilter(): FilterPlugin {
  return {
    kind: "filter",
    name: "username",
    description: 'The user name is one of these (`"*"` matches any user)',
    triggers: [...SESSION_EVENT_TYPES, "connection_auth_failed"],
    create(argument) {
      const names = new Set(stringsOf(argument));
      const anyone = names.has("*");
      return function matchUsername(event) {
        const username = stringField(event, "username");
        return anyone || names.has(username);
      };
    },
  };
}
