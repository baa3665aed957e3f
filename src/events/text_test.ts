import assert from "node:assert/strict";
import {
  decodeLossy,
  escapeText,
  escapeValue,
  LossyStreamDecoder,
  stringifyJsonSafe,
} from "./text.ts";

Deno.test("decodeLossy() replaces invalid UTF-8 with U+FFFD and keeps the rest", () => {
  const bytes = new Uint8Array([0x6f, 0x6b, 0xff, 0x20, 0xc3, 0xa9, 0xe6]);
  assert.equal(decodeLossy(bytes), "ok\ufffd é\ufffd");
});

Deno.test("decodeLossy() keeps a leading byte order mark", () => {
  assert.equal(decodeLossy(new Uint8Array([0xef, 0xbb, 0xbf, 0x61])), "\ufeffa");
});

Deno.test("LossyStreamDecoder.decode() joins a character split across chunks", () => {
  const decoder = new LossyStreamDecoder();
  const bytes = new TextEncoder().encode("日本");
  const first = decoder.decode(bytes.subarray(0, 2));
  const second = decoder.decode(bytes.subarray(2));
  assert.equal(first + second + decoder.end(), "日本");
});

Deno.test("LossyStreamDecoder.end() flushes an unfinished character as U+FFFD", () => {
  const decoder = new LossyStreamDecoder();
  assert.equal(decoder.decode(new Uint8Array([0x61, 0xe6, 0x97])), "a");
  assert.equal(decoder.end(), "\ufffd");
});

Deno.test("escapeText() escapes terminal control sequences", () => {
  assert.equal(escapeText("a\x1b[31mred\x07\r\n\tb"), "a\\x1b[31mred\\x07\\r\\n\\tb");
  assert.equal(escapeText("\x00\x7f\u009b"), "\\x00\\x7f\\x9b");
});

Deno.test("escapeText() escapes backslashes so the output stays unambiguous", () => {
  assert.equal(escapeText("a\\x1b"), "a\\\\x1b");
});

Deno.test("escapeText() escapes lone surrogates and bidirectional overrides", () => {
  assert.equal(escapeText("x\ud800y"), "x\\u{d800}y");
  assert.equal(escapeText("evil\u202egpj.exe\u2066"), "evil\\u{202e}gpj.exe\\u{2066}");
  assert.equal(escapeText("a\u2028b"), "a\\u{2028}b");
});

Deno.test("escapeText() leaves printable Unicode alone", () => {
  assert.equal(escapeText("héllo 日本 😀 \ufffd"), "héllo 日本 😀 \ufffd");
});

Deno.test("escapeValue() prints null and undefined as a dash and numbers as text", () => {
  assert.equal(escapeValue(undefined), "-");
  assert.equal(escapeValue(null), "-");
  assert.equal(escapeValue(42), "42");
  assert.equal(escapeValue("a\nb"), "a\\nb");
});

Deno.test("stringifyJsonSafe() escapes C1 and bidirectional controls and keeps the value", () => {
  const value = { data: "a\x1b\u009b\u202e\u2028\x7fé" };
  const text = stringifyJsonSafe(value);
  assert.equal(text, '{"data":"a\\u001b\\u009b\\u202e\\u2028\\u007fé"}');
  assert.deepEqual(JSON.parse(text), value);
  assert.equal(stringifyJsonSafe(undefined), "null");
});
