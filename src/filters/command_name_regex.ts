import type { FilterPlugin } from "../plugins/mod.ts";
import { COMMAND_EVENT_TYPES, regexesOf, stringField } from "./_match.ts";

/** `command_name_regex`: a regular expression matches somewhere in the command's argv[0]. */
export function commandNameRegexFilter(): FilterPlugin {
  return {
    kind: "filter",
    name: "command_name_regex",
    description: "A regular expression matches the command name (argv[0]) anywhere",
    triggers: COMMAND_EVENT_TYPES,
    create(argument) {
      const patterns = regexesOf(argument);
      return function matchCommandNameRegex(event) {
        const filename = stringField(event, "filename");
        return patterns.some((pattern) => pattern.test(filename));
      };
    },
  };
}
