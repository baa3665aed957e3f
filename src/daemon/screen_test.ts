import assert from "node:assert/strict";
import { renderScreen } from "./screen.ts";

Deno.test("renderScreen() keeps what the output left on the screen, colours included", async () => {
  const output = new TextEncoder().encode(
    "first\r\n\x1b[31mred\x1b[0m\r\n\x1b[2J\x1b[Hafter clear",
  );
  const screen = await renderScreen(output, { columns: 40, rows: 10 });
  assert.match(screen, /after clear/);
  assert.doesNotMatch(screen, /first/);
});

Deno.test("renderScreen() accepts invalid UTF-8 and an empty output", async () => {
  assert.equal(
    typeof await renderScreen(new Uint8Array([0xff, 0xfe, 0x41]), { columns: 5, rows: 2 }),
    "string",
  );
  assert.equal(await renderScreen(new Uint8Array(), { columns: 80, rows: 24 }), "");
});
