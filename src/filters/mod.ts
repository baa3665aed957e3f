/**
 * The built-in filters of SPEC §5, each a {@linkcode FilterPlugin} like a user plug-in's.
 * @module
 */
export { commandExitCodeFilter } from "./command_exit_code.ts";
export { commandNameFilter } from "./command_name.ts";
export { commandNameRegexFilter } from "./command_name_regex.ts";
export { commandOutputContainsFilter } from "./command_output_contains.ts";
export { commandOutputContainsRegexFilter } from "./command_output_contains_regex.ts";
export { ignoreExistingLoginsFilter } from "./ignore_existing_logins.ts";
export { requireTtyFilter } from "./require_tty.ts";
export { uploadFilePathFilter } from "./upload_file_path.ts";
export { uploadFilePathRegexFilter } from "./upload_file_path_regex.ts";
export { usernameFilter } from "./username.ts";
export { usernameRegexFilter } from "./username_regex.ts";
export { normalizePath } from "./upload_file_path.ts";
export { builtinFilters } from "./builtin_filters.ts";
