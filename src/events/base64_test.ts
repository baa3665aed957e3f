import assert from "node:assert/strict";
import { decodeBase64, encodeBase64 } from "./base64.ts";

Deno.test("encodeBase64() and decodeBase64() round-trip every byte value", () => {
  const bytes = new Uint8Array(70_000).map((_, i) => i % 256);
  assert.deepEqual(decodeBase64(encodeBase64(bytes)), bytes);
});

Deno.test("decodeBase64() throws TypeError on text that is not base64", () => {
  assert.throws(() => decodeBase64("not base64!"), (e: unknown) => e instanceof TypeError);
});
