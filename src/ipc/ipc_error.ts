/** The error the IPC layer throws for conditions callers handle (daemon down, refused, closed). */

/** What went wrong, for callers that react differently (the CLI prints the message either way). */
export type IpcErrorCode =
  | "not_running"
  | "permission_denied"
  | "in_use"
  | "refused"
  | "protocol"
  | "closed";

/** An IPC failure with a one-sentence message fit for stderr and a machine-readable `code`. */
export class IpcError extends Error {
  /** What went wrong. */
  readonly code: IpcErrorCode;

  /** Creates the error; pass the underlying error as `options.cause`. */
  constructor(message: string, code: IpcErrorCode, options?: ErrorOptions) {
    super(message, options);
    this.name = "IpcError";
    this.code = code;
  }
}
