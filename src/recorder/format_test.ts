import assert from "node:assert/strict";
import {
  type CastEvent,
  encodeEvent,
  encodeHeader,
  parseCast,
  parseEvent,
  parseHeader,
} from "./mod.ts";

Deno.test("encodeEvent() lines read back identical through parseEvent()", () => {
  const events: CastEvent[] = [
    [0, "o", "$ "],
    [0.25, "i", "l"],
    [1.000001, "o", '\x1b[31mred\x1b[0m\r\n\u00e9\u65e5\u{1f600}\\"\u2028'],
    [2.5, "r", "120x40"],
    [3, "m", "/bin/ls -la"],
    [123456.789012, "o", ""],
  ];
  for (const event of events) {
    const line = encodeEvent(event);
    assert.deepEqual(parseEvent(line), event);
    assert.equal(encodeEvent(parseEvent(line)), line);
    assert.ok(!line.includes("\n"));
  }
});

Deno.test("encodeHeader() writes the v2 header that parseHeader() reads back", () => {
  const header = {
    version: 2 as const,
    width: 80,
    height: 24,
    timestamp: 1714580200,
    title: "billy@web1 from 15.12.5.8",
  };
  const line = encodeHeader(header);
  assert.equal(
    line,
    '{"version":2,"width":80,"height":24,"timestamp":1714580200,"title":"billy@web1 from 15.12.5.8"}',
  );
  assert.deepEqual(parseHeader(line), header);
});

Deno.test("parseHeader() refuses a header of the wrong version or field types", () => {
  const bad: [string, RegExp][] = [
    ["not json", /^Cannot parse asciicast header: invalid JSON/],
    ["[1]", /^Cannot parse asciicast header: not a JSON object/],
    ['{"version":1,"width":80,"height":24}', /"version" must be 2/],
    ['{"version":2,"width":"80","height":24}', /"width" and "height" must be positive integers/],
    ['{"version":2,"width":80,"height":0}', /"width" and "height"/],
    ['{"version":2,"width":80,"height":24,"timestamp":"x"}', /"timestamp" must be a number/],
    ['{"version":2,"width":80,"height":24,"title":5}', /"title" must be a string/],
  ];
  for (const [line, message] of bad) {
    assert.throws(
      () => parseHeader(line),
      (e) => e instanceof SyntaxError && message.test(e.message),
    );
  }
});

Deno.test("parseEvent() refuses anything but [time >= 0, o|i|r|m, string]", () => {
  const bad: [string, RegExp][] = [
    ["{}", /not an array of 3 items/],
    ['[1, "o"]', /not an array of 3 items/],
    ['["1", "o", "x"]', /time must be a number >= 0/],
    ['[-1, "o", "x"]', /time must be a number >= 0/],
    ['[1, "x", "x"]', /unknown code "x"/],
    ['[1, "o", 5]', /data must be a string/],
    ['[1, "r", "80 24"]', /resize data must be "WxH"/],
  ];
  for (const [line, message] of bad) {
    assert.throws(
      () => parseEvent(line),
      (e) => e instanceof SyntaxError && message.test(e.message),
    );
  }
});

Deno.test("parseCast() reads a whole file and refuses decreasing times and cut lines", () => {
  const header = '{"version":2,"width":80,"height":24}';
  const cast = parseCast(`${header}\n[0.5, "o", "a"]\n[0.5, "m", "ls"]\n[1, "o", "b"]\n`);
  assert.deepEqual(cast.events, [[0.5, "o", "a"], [0.5, "m", "ls"], [1, "o", "b"]]);
  assert.throws(
    () => parseCast(`${header}\n[1, "o", "a"]\n[0.5, "o", "b"]\n`),
    (e) =>
      e instanceof SyntaxError &&
      e.message.startsWith("Line 3: Cannot parse asciicast event: time goes backwards"),
  );
  assert.throws(
    () => parseCast(`${header}\n[1, "o", "a"]`),
    (e) =>
      e instanceof SyntaxError && e.message.startsWith("Cannot parse asciicast: the last line"),
  );
  assert.throws(
    () => parseCast(`${header}\n[1, "q", "a"]\n`),
    (e) =>
      e instanceof SyntaxError &&
      e.message.startsWith('Line 2: Cannot parse asciicast event: unknown code "q"'),
  );
});
