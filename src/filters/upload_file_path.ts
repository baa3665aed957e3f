import type { FilterPlugin } from "../plugins/mod.ts";
import { stringField, stringsOf } from "./_match.ts";

/** Collapses `//`, `.` and `..` of an absolute path without touching the file system. */
export function normalizePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return (path.startsWith("/") ? "/" : "") + parts.join("/");
}

/** `upload_file_path`: the uploaded file's path is one of the paths (compared normalized). */
export function uploadFilePathFilter(): FilterPlugin {
  return {
    kind: "filter",
    name: "upload_file_path",
    description: "The uploaded file's full path is one of these",
    triggers: ["file_upload"],
    create(argument) {
      const paths = new Set(stringsOf(argument).map(normalizePath));
      return function matchUploadPath(event) {
        return paths.has(normalizePath(stringField(event, "target_path")));
      };
    },
  };
}
