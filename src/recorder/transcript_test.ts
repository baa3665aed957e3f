import assert from "node:assert/strict";
import { commandMarker, EscapeStripper, formatTranscriptTime, startMarker } from "./mod.ts";

function stripAll(chunks: string[]): string {
  const stripper = new EscapeStripper();
  return chunks.map((chunk) => stripper.strip(chunk)).join("") + stripper.end();
}

Deno.test("EscapeStripper.strip() removes CSI, OSC, DCS and charset sequences", () => {
  const text = "\x1b]0;billy@web1: ~\x07\x1b[01;32mbilly@web1\x1b[00m:\x1b[01;34m~\x1b[00m$ " +
    "ls\r\n\x1b(B\x1b[m\x1b[?2004lfile\x1bPq#0;2;0;0;0\x1b\\\x1b]8;;http://x\x1b\\link\x1b=done\r\n";
  assert.equal(stripAll([text]), "billy@web1:~$ ls\nfile" + "link" + "done\n");
});

Deno.test("EscapeStripper.strip() removes a sequence cut between two chunks", () => {
  const text = "a\x1b[01;32mb\x1b]0;title\x1b\\c\x1b[?1049hd";
  for (let cut = 0; cut <= text.length; cut++) {
    assert.equal(stripAll([text.slice(0, cut), text.slice(cut)]), "abcd", `cut at ${cut}`);
  }
  assert.equal(stripAll([...text]), "abcd");
});

Deno.test("EscapeStripper.strip() shows control keys as ^X and keeps tabs and newlines", () => {
  assert.equal(
    stripAll(["a\tb\r\nc\x03d\x04e\x07f\x08g\x7fh\x1b\x01"]),
    "a\tb\nc^Cd^De^Gf^Hg^?h^[^A",
  );
  assert.equal(stripAll(["x\u009b31my\u0085z"]), "xyz");
});

Deno.test("startMarker() and commandMarker() write the original agent's markers, escaped", () => {
  const time = Date.UTC(2024, 4, 1, 16, 16, 45);
  const local = formatTranscriptTime(time);
  assert.match(local, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.equal(
    startMarker({ sessionId: "s-1", user: "billy", client: "15.12.5.8", time }),
    `[[ sshlog: session s-1 user billy from 15.12.5.8 started ${local} ]]\n`,
  );
  assert.equal(
    commandMarker(time, "billy", "/bin/echo a\nb\x1b[2J"),
    `[[ sshlog: ${local} billy executed /bin/echo a\\nb\\x1b[2J ]]\n`,
  );
});
