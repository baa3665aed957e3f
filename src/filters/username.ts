import type { FilterPlugin } from "../plugins/mod.ts";
import { SESSION_EVENT_TYPES, stringField, stringsOf } from "./_match.ts";

/**
 * `username`: the session's user is one of the names (`"*"`, `""` or an empty value match anyone,
 * as in the original).
 */
export function usernameFilter(): FilterPlugin {
  return {
    kind: "filter",
    name: "username",
    description: 'The user name is one of these (`"*"` or an empty value matches any user)',
    triggers: [...SESSION_EVENT_TYPES, "connection_auth_failed"],
    create(argument) {
      const names = new Set(argument === null ? [""] : stringsOf(argument));
      const anyone = names.has("*") || names.has("");
      return function matchUsername(event) {
        const username = stringField(event, "username");
        return anyone || names.has(username);
      };
    },
  };
}
