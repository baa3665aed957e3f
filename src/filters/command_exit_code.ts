import type { FilterPlugin } from "../plugins/mod.ts";
import { numberField, parseComparisons } from "./_match.ts";

/** `command_exit_code`: the exit status passes a comparison (`"!= 0"`, `"> 1"`, `0`, `[1, 2]`). */
export function commandExitCodeFilter(): FilterPlugin {
  return {
    kind: "filter",
    name: "command_exit_code",
    description: 'The exit status passes a comparison: `"!= 0"`, `"> 1"`, `0`, `[1, 2]`',
    triggers: ["command_finish"],
    create(argument) {
      const test = parseComparisons(argument);
      return function matchExitCode(event) {
        return test(numberField(event, "exit_code"));
      };
    },
  };
}
