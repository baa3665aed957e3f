/**
 * The daemon socket: its newline-delimited JSON protocol, the daemon-side `IpcServer` and the
 * `IpcClient` the CLI uses.
 * @module
 */

export * from "./protocol.ts";
export * from "./ipc_error.ts";
export * from "./connection.ts";
export * from "./server.ts";
export * from "./client.ts";
