/** Turns an open() by scp or sftp-server into a file_upload or file_download event. */
import type { FileTransferEvent, SessionFields } from "../events/types.ts";
import type { OpenRecord } from "../tracer/records.ts";
import { joinCwd } from "./_proc_fs.ts";

const O_ACCMODE = 3;
const O_RDONLY = 0;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const decoder = new TextDecoder("utf-8", { fatal: false });

/** Joins a relative path onto a directory, keeping an absolute one. */
export function absolutePath(path: string, cwd: string): string {
  if (path.startsWith("/")) return path;
  return `${cwd.replace(/\/+$/, "")}/${path}`;
}

/**
 * The event for a successful open of a regular file, or undefined for anything else (a failed
 * open, /dev/null, a directory). Path, cwd and file type all come from the kernel record.
 */
export function transferEvent(r: OpenRecord, base: SessionFields): FileTransferEvent | undefined {
  if (r.ret < 0 || (r.iMode & S_IFMT) !== S_IFREG) return undefined;
  return {
    ...base,
    event_type: (r.openFlags & O_ACCMODE) === O_RDONLY ? "file_download" : "file_upload",
    target_path: absolutePath(decoder.decode(r.path), joinCwd(r.cwdParts)),
    file_mode: (r.iMode & 0o7777).toString(8),
  };
}
