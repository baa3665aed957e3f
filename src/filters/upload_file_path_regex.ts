import type { FilterPlugin } from "../plugins/mod.ts";
import { regexesOf, stringField } from "./_match.ts";

/** `upload_file_path_regex`: a regular expression matches somewhere in the uploaded file's path. */
export function uploadFilePathRegexFilter(): FilterPlugin {
  return {
    kind: "filter",
    name: "upload_file_path_regex",
    description: "A regular expression matches the uploaded file's path anywhere",
    triggers: ["file_upload"],
    create(argument) {
      const patterns = regexesOf(argument);
      return function matchUploadPathRegex(event) {
        const path = stringField(event, "target_path");
        return patterns.some((pattern) => pattern.test(path));
      };
    },
  };
}
