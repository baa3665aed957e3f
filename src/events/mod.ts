/**
 * The public events of SPEC §4, the bus that fans them out, and their text and JSON formatting.
 * @module
 */

export * from "./types.ts";
export * from "./bus.ts";
export * from "./format.ts";
export * from "./raw.ts";
