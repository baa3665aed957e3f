import type { FilterPlugin } from "../plugins/mod.ts";
import { regexesOf, stringField } from "./_match.ts";

/** `command_output_contains_regex`: a regular expression matches the captured output. */
export function commandOutputContainsRegexFilter(): FilterPlugin {
  return {
    kind: "filter",
    name: "command_output_contains_regex",
    description: "A regular expression matches the command's captured output anywhere",
    triggers: ["command_finish"],
    create(argument) {
      const patterns = regexesOf(argument);
      return function matchOutputRegex(event) {
        const output = stringField(event, "stdout");
        return patterns.some((pattern) => pattern.test(output));
      };
    },
  };
}
