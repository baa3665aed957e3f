import type { FilterPlugin } from "../plugins/mod.ts";
import { COMMAND_EVENT_TYPES, stringField, stringsOf } from "./_match.ts";

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** `command_name`: the command's argv[0], its base name or its executable's base name is one of the names. */
export function commandNameFilter(): FilterPlugin {
  return {
    kind: "filter",
    name: "command_name",
    description: "The command is one of these names (`sudo` matches `/usr/bin/sudo`)",
    triggers: COMMAND_EVENT_TYPES,
    create(argument) {
      const names = new Set(stringsOf(argument));
      return function matchCommandName(event) {
        const filename = stringField(event, "filename");
        if (names.has(filename) || names.has(baseName(filename))) return true;
        const execPath = (event as { exec_path?: unknown }).exec_path;
        return typeof execPath === "string" &&
          (names.has(execPath) || names.has(baseName(execPath)));
      };
    },
  };
}
