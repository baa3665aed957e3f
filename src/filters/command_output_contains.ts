import type { FilterPlugin } from "../plugins/mod.ts";
import { stringField, stringsOf } from "./_match.ts";

/** `command_output_contains`: the command's captured output contains one of the texts. */
export function commandOutputContainsFilter(): FilterPlugin {
  return {
    kind: "filter",
    name: "command_output_contains",
    description: "The command's captured output (`stdout`) contains the text",
    triggers: ["command_finish"],
    create(argument) {
      const needles = stringsOf(argument);
      return function matchOutputContains(event) {
        const output = stringField(event, "stdout");
        return needles.some((needle) => output.includes(needle));
      };
    },
  };
}
