import type { FilterPlugin } from "../plugins/mod.ts";
import { commandExitCodeFilter } from "./command_exit_code.ts";
import { commandNameFilter } from "./command_name.ts";
import { commandNameRegexFilter } from "./command_name_regex.ts";
import { commandOutputContainsFilter } from "./command_output_contains.ts";
import { commandOutputContainsRegexFilter } from "./command_output_contains_regex.ts";
import { ignoreExistingLoginsFilter } from "./ignore_existing_logins.ts";
import { requireTtyFilter } from "./require_tty.ts";
import { uploadFilePathFilter } from "./upload_file_path.ts";
import { uploadFilePathRegexFilter } from "./upload_file_path_regex.ts";
import { usernameFilter } from "./username.ts";
import { usernameRegexFilter } from "./username_regex.ts";

/** Creates every built-in filter, in the order of SPEC §5. */
export function builtinFilters(): FilterPlugin[] {
  return [
    commandNameFilter(),
    commandNameRegexFilter(),
    commandExitCodeFilter(),
    commandOutputContainsFilter(),
    commandOutputContainsRegexFilter(),
    usernameFilter(),
    usernameRegexFilter(),
    requireTtyFilter(),
    ignoreExistingLoginsFilter(),
    uploadFilePathFilter(),
    uploadFilePathRegexFilter(),
  ];
}
