/**
 * Text helpers for values an SSH user controls: lossy decoding of captured bytes and escaping
 * before anything reaches an administrator's terminal (SPEC §8, STYLE "Escape control characters").
 */

const LOSSY_DECODER = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** Decodes UTF-8 bytes, replacing invalid sequences with U+FFFD instead of failing or dropping. */
export function decodeLossy(bytes: Uint8Array): string {
  return LOSSY_DECODER.decode(bytes);
}

/**
 * A lossy UTF-8 decoder for a byte stream split into chunks: a character cut between two chunks
 * is decoded whole, invalid bytes become U+FFFD. Call `end()` when the stream closes.
 */
export class LossyStreamDecoder {
  #decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

  /** Decodes one chunk, keeping an unfinished trailing character for the next chunk. */
  decode(chunk: Uint8Array): string {
    return this.#decoder.decode(chunk, { stream: true });
  }

  /** Flushes an unfinished trailing character (as U+FFFD) and resets the decoder. */
  end(): string {
    return this.#decoder.decode();
  }
}

/*
 * What gets escaped: backslash (so the output stays unambiguous), C0 controls, DEL and C1
 * controls (terminal escape sequences), lone surrogates (invalid text), the Unicode line and
 * paragraph separators and the bidirectional overrides and isolates ("Trojan Source" reordering).
 */
const ESCAPED = /[\\\p{Cc}\p{Cs}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

const NAMED_ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

function escapeOne(char: string): string {
  const named = NAMED_ESCAPES[char];
  if (named !== undefined) return named;
  const code = char.codePointAt(0) ?? 0;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, "0")}`;
  return `\\u{${code.toString(16)}}`;
}

/**
 * Makes user-controlled text safe to print on a terminal: `\`, `\n`, `\r`, `\t` become
 * backslash escapes, other control characters `\xNN`, invalid or reordering code points `\u{N}`.
 */
export function escapeText(text: string): string {
  return text.replace(ESCAPED, escapeOne);
}

/** Escapes any value for printing: strings as `escapeText`, null and undefined as "-". */
export function escapeValue(value: unknown): string {
  if (value === undefined || value === null) return "-";
  return escapeText(typeof value === "string" ? value : String(value));
}

/* Characters JSON.stringify leaves raw that a terminal may still act on or reorder. */
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `JSON.stringify` whose output is also safe on a terminal: DEL, C1 controls, line separators and
 * bidirectional controls become `\uXXXX` escapes (still the same JSON value).
 */
export function stringifyJsonSafe(value: unknown, indent?: number): string {
  return (JSON.stringify(value, null, indent) ?? "null").replace(
    JSON_UNSAFE,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
