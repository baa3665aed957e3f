/** Reading the two ends of an asciicast file without reading all of it (writer and index use it). */

import { type CastHeader, parseEvent, parseHeader } from "./format.ts";

/** Bytes read from each end of a file: enough for the header and a large last event. */
const END_BYTES = 1024 * 1024;

/** What the ends of a cast file say. */
export interface CastEnds {
  header: CastHeader;
  /** Time of the last complete event, seconds (0 without events). */
  lastTime: number;
  /** Length up to the end of the last complete line (less than `size` after a cut write). */
  validLength: number;
  size: number;
}

async function readAt(file: Deno.FsFile, offset: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  await file.seek(offset, Deno.SeekMode.Start);
  let filled = 0;
  while (filled < length) {
    const n = await file.read(out.subarray(filled));
    if (n === null) break;
    filled += n;
  }
  return out.subarray(0, filled);
}

/**
 * Reads the header and the last complete event of a cast file; undefined when it is missing or
 * empty.
 * @throws {SyntaxError} when the header is not asciicast v2
 */
export async function readCastEnds(path: string): Promise<CastEnds | undefined> {
  let file;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    const { size } = await file.stat();
    if (size === 0) return undefined;
    const decoder = new TextDecoder();
    const head = await readAt(file, 0, Math.min(size, END_BYTES));
    const firstNewline = head.indexOf(0x0a);
    if (firstNewline < 0) throw new SyntaxError(`Cannot read "${path}": no complete header line`);
    const header = parseHeader(decoder.decode(head.subarray(0, firstNewline)));
    const tailStart = Math.max(0, size - END_BYTES);
    const tail = tailStart === 0 ? head : await readAt(file, tailStart, size - tailStart);
    const lastNewline = tail.lastIndexOf(0x0a);
    const validLength = tailStart + lastNewline + 1;
    let lastTime = 0;
    if (validLength > firstNewline + 1) {
      const previous = tail.lastIndexOf(0x0a, lastNewline - 1);
      if (previous >= 0 || tailStart === 0) {
        try {
          lastTime = parseEvent(decoder.decode(tail.subarray(previous + 1, lastNewline)))[0];
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
        }
      }
    }
    return { header, lastTime, validLength, size };
  } finally {
    file.close();
  }
}
