/**
 * Generated-input tests of the parsers and formatters that untrusted or corrupt data reaches:
 * kernel records, socket requests, asciicast lines, configuration YAML, watch lines. Thousands of
 * inputs each, from a seeded generator (a failure prints its seed): each call either returns or
 * throws the error class its contract names, never anything else, and never hangs.
 */
import assert from "node:assert/strict";
import { decodeRecord, RecordError, RecordType } from "../../src/tracer/records.ts";
import { parseRequest } from "../../src/ipc/protocol.ts";
import { parseEvent, parseHeader } from "../../src/recorder/format.ts";
import { builtinRegistry, compileConfig } from "../../src/config/mod.ts";
import { formatWatchLine } from "../../src/events/mod.ts";
import { sampleEvent } from "../../src/plugins/testing.ts";
import { EVENT_TYPES } from "../../src/events/types.ts";

const SEED = Number(Deno.env.get("SSHLOG_FUZZ_SEED") ?? 20261127);
const ROUNDS = 3000;

/** xorshift32: small, seeded, good enough to spread inputs. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const rand = rng(SEED);
const int = (n: number) => Math.floor(rand() * n);
const bytes = (n: number) => new Uint8Array(n).map(() => int(256));
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
const NASTY = [
  "",
  "\u0000",
  "\x1b[2J",
  "\u202e",
  "\ud800",
  "$(touch x)",
  "{{username}}",
  "]]",
  '"',
  "\\",
  "\r\n",
  "日本",
  "<!channel>",
];
function text(max: number): string {
  let s = "";
  const n = int(max);
  for (let i = 0; i < n; i++) s += rand() < 0.2 ? pick(NASTY) : String.fromCharCode(int(0x3000));
  return s;
}
function json(depth = 0): unknown {
  switch (int(depth > 2 ? 4 : 7)) {
    case 0:
      return int(2) ? int(1e9) - 5e8 : rand() * 1e6;
    case 1:
      return text(20);
    case 2:
      return pick([true, false, null]);
    case 3:
      return pick(["sessions", "watch", "version", "attach", "kill", "__proto__"]);
    case 4:
      return Array.from({ length: int(5) }, () => json(depth + 1));
    default:
      return Object.fromEntries(
        Array.from(
          { length: int(5) },
          () => [pick(["op", "types", "user", "session", text(6)]), json(depth + 1)],
        ),
      );
  }
}

Deno.test(`decodeRecord() returns or throws RecordError on any bytes (seed ${SEED})`, () => {
  for (let i = 0; i < ROUNDS; i++) {
    const data = bytes(int(400));
    if (data.length >= 8 && rand() < 0.7) {
      // Make many of them look like real records: a known type and a plausible size.
      const v = new DataView(data.buffer);
      v.setUint16(0, pick(Object.values(RecordType)), true);
      v.setUint32(4, int(data.length + 1), true);
    }
    try {
      decodeRecord(data);
    } catch (error) {
      assert.ok(error instanceof RecordError, `seed ${SEED} round ${i}: ${error}`);
    }
  }
});

Deno.test(`parseRequest() returns or throws TypeError on any JSON (seed ${SEED})`, () => {
  for (let i = 0; i < ROUNDS; i++) {
    try {
      parseRequest(json());
    } catch (error) {
      assert.ok(error instanceof TypeError, `seed ${SEED} round ${i}: ${error}`);
    }
  }
});

Deno.test(`asciicast parseHeader()/parseEvent() throw only SyntaxError (seed ${SEED})`, () => {
  for (let i = 0; i < ROUNDS; i++) {
    const line = rand() < 0.5 ? JSON.stringify(json()) : text(60);
    for (const parse of [parseHeader, parseEvent]) {
      try {
        parse(line);
      } catch (error) {
        assert.ok(error instanceof SyntaxError, `seed ${SEED} round ${i}: ${error}`);
      }
    }
  }
});

Deno.test(`compileConfig() reports problems for any YAML-ish text, never throws (seed ${SEED})`, () => {
  const registry = builtinRegistry();
  const parts = [
    "events:",
    "\n  - event: ",
    "triggers: [",
    "]",
    "\n    ",
    "actions:",
    "plugin: ",
    "eventlogfile_action",
    "filters:",
    "username_regex: '",
    "(",
    "*",
    "&a",
    "*a",
    "!!binary",
    "- ",
    ": ",
    "{",
    "}",
    "\t",
  ];
  for (let i = 0; i < 600; i++) {
    let yaml = "";
    for (let j = int(30); j > 0; j--) yaml += rand() < 0.7 ? pick(parts) : text(8);
    const result = compileConfig([{ path: `/fuzz/${i}.yaml`, text: yaml }], registry);
    assert.equal(typeof result.ok, "boolean", `seed ${SEED} round ${i}`);
  }
});

Deno.test(`formatWatchLine() prints no raw control character for any field (seed ${SEED})`, () => {
  for (let i = 0; i < ROUNDS; i++) {
    const type = pick(EVENT_TYPES);
    const event = sampleEvent(type, {
      username: text(20),
      args: text(40),
      filename: text(10),
      terminal_data: text(40),
      target_path: text(30),
      reason: text(10),
    });
    const line = formatWatchLine(event, "UTC");
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(line, /[\x00-\x08\x0b-\x1f\x7f\x1b]/, `seed ${SEED} round ${i}`);
  }
});
