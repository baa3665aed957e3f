/** Turns an open() by scp or sftp-server into a file_upload or file_download event. */
import type { FileTransferEvent, SessionFields } from "../events/types.ts";
import type { OpenRecord } from "../tracer/records.ts";

const O_ACCMODE = 3;
const O_RDONLY = 0;
const decoder = new TextDecoder("utf-8", { fatal: false });

/** Joins a relative path onto a directory, keeping an absolute one. */
export function absolutePath(path: string, cwd: string): string {
  if (path.startsWith("/")) return path;
  return `${cwd.replace(/\/+$/, "")}/${path}`;
}

/** The event for a successful open of a regular file, or undefined for anything else. */
export function transferEvent(
  r: OpenRecord,
  pid: number,
  base: SessionFields,
): FileTransferEvent | undefined {
  const raw = decoder.decode(r.path);
  let cwd = "/";
  try {
    cwd = Deno.readLinkSync(`/proc/${pid}/cwd`);
  } catch { /* gone: keep the path as given */ }
  const target = absolutePath(raw, cwd);
  let mode = r.mode & 0o7777;
  try {
    const st = Deno.statSync(`/proc/${pid}/root${target}`);
    if (!st.isFile) return undefined;
    mode = (st.mode ?? mode) & 0o7777;
  } catch {
    if ((r.openFlags & O_ACCMODE) === O_RDONLY) return undefined;
  }
  return {
    ...base,
    event_type: (r.openFlags & O_ACCMODE) === O_RDONLY ? "file_download" : "file_upload",
    target_path: target,
    file_mode: mode.toString(8),
  };
}
