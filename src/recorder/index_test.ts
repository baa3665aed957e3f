import assert from "node:assert/strict";
import { listRecordings, parseSince, pruneRecordings } from "./mod.ts";

const DAY = 86_400_000;

/** Writes a recording: start in epoch s, events, and whether the transcript is closed. */
export async function writeRecording(
  dir: string,
  id: string,
  fields: { user: string; start: number; text: string; ended?: boolean; lastTime?: number },
): Promise<void> {
  const header = JSON.stringify({
    version: 2,
    width: 80,
    height: 24,
    timestamp: fields.start,
    title: `${fields.user}@web1 from 10.1.1.1`,
  });
  const lastTime = fields.lastTime ?? 2.5;
  await Deno.writeTextFile(
    `${dir}/${id}.cast`,
    `${header}\n${JSON.stringify([0.5, "o", fields.text])}\n${
      JSON.stringify([lastTime, "o", "."])
    }\n`,
  );
  const end = fields.ended === false
    ? ""
    : `[[ sshlog: session ${id} ended 2024-05-01 16:00:00 ]]\n`;
  await Deno.writeTextFile(
    `${dir}/${id}.log`,
    `[[ sshlog: session ${id} user ${fields.user} from 10.1.1.1 started 2024-05-01 16:00:00 ]]\n${fields.text}\n${end}`,
  );
}

Deno.test("listRecordings() lists oldest first with metadata and filters by user, since, grep", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-idx-" });
  const now = Date.UTC(2024, 4, 10) / 1000;
  await writeRecording(dir, "s-b", { user: "bob", start: now - 3600, text: "rm -rf /tmp/x" });
  await writeRecording(dir, "s-a", { user: "alice", start: now - 7200, text: "ls", ended: false });
  await Deno.writeTextFile(`${dir}/broken.cast`, "not a cast\n");
  await Deno.writeTextFile(`${dir}/notes.txt`, "x");
  const all = await listRecordings(dir);
  assert.deepEqual(all.map((r) => r.session_id), ["s-a", "s-b"]);
  const a = all[0]!;
  assert.deepEqual(
    { ...a, size_bytes: 0 },
    {
      "session_id": "s-a",
      user: "alice",
      host: "web1",
      client: "10.1.1.1",
      "start_time": (now - 7200) * 1000,
      "duration_ms": 2500,
      "size_bytes": 0,
      recording: true,
      "cast_path": `${dir}/s-a.cast`,
      "log_path": `${dir}/s-a.log`,
    },
  );
  assert.equal(a.size_bytes, Deno.statSync(a.cast_path).size + Deno.statSync(a.log_path).size);
  assert.equal(all[1]!.recording, false);
  assert.deepEqual((await listRecordings(dir, { user: "bob" })).map((r) => r.session_id), ["s-b"]);
  assert.deepEqual((await listRecordings(dir, { grep: "rm -rf" })).map((r) => r.session_id), [
    "s-b",
  ]);
  assert.deepEqual(
    (await listRecordings(dir, { since: (now - 5000) * 1000 })).map((r) => r.session_id),
    ["s-b"],
  );
  const one = async (session: string) =>
    (await listRecordings(dir, { session })).map((r) => r.session_id);
  assert.deepEqual(await one("s-a"), ["s-a"]);
  assert.deepEqual(await one("s-zz"), []);
  assert.deepEqual(await one("../s-a"), [], "a session id is never a path");
  await assert.rejects(listRecordings(`${dir}/none`, { session: "s-a" }), Deno.errors.NotFound);
});

Deno.test("listRecordings() --grep finds text across the pieces a big transcript is read in", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-idx-big-" });
  const start = Date.UTC(2024, 4, 10) / 1000;
  // writeRecording's first line comes before the text; then "é" (2 bytes) is cut by the end of
  // the first 1 MiB piece, and "needle" starts in the second.
  const first = "[[ sshlog: session s-big user bob from 10.1.1.1 started 2024-05-01 16:00:00 ]]\n";
  const text = "x".repeat(1024 * 1024 - first.length - 1) + "é" + "needle" + "y".repeat(100);
  await writeRecording(dir, "s-big", { user: "bob", start, text });
  await writeRecording(dir, "s-one", { user: "bob", start, text: "z" });
  const found = async (grep: string) =>
    (await listRecordings(dir, { grep })).map((r) => r.session_id);
  assert.deepEqual(await found("éneedle"), ["s-big"]);
  assert.deepEqual(await found("z"), ["s-one"]);
  assert.deepEqual(await found("needlez"), []);
});

Deno.test("parseSince() reads dates, date-times and ages", () => {
  const now = Date.UTC(2024, 4, 10, 12);
  assert.equal(parseSince("12h", now), now - 12 * 3600_000);
  assert.equal(parseSince("7d", now), now - 7 * DAY);
  assert.equal(parseSince("30m", now), now - 30 * 60_000);
  assert.equal(parseSince("2024-05-01", now), new Date(2024, 4, 1).getTime());
  assert.equal(parseSince("2024-05-01T16:00:00Z", now), Date.UTC(2024, 4, 1, 16));
  for (const bad of ["yesterday", "12", "2024-13-45"]) {
    assert.throws(
      () => parseSince(bad, now),
      (e) => e instanceof RangeError && e.message.startsWith(`Invalid time "${bad}"`),
    );
  }
});

Deno.test("pruneRecordings() deletes the oldest closed recordings past max_age_days and max_total_mb", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-idx-" });
  const now = Date.UTC(2024, 4, 10);
  const big = "x".repeat(400_000);
  await writeRecording(dir, "old", { user: "u", start: now / 1000 - 40 * 86400, text: "a" });
  await writeRecording(dir, "open", {
    user: "u",
    start: now / 1000 - 30 * 86400,
    text: big,
    ended: false,
  });
  await writeRecording(dir, "mid", { user: "u", start: now / 1000 - 20 * 86400, text: big });
  await writeRecording(dir, "new", { user: "u", start: now / 1000 - 1 * 86400, text: big });
  assert.deepEqual(await pruneRecordings(dir, { maxAgeDays: 30, now }), ["old"]);
  // ~0.8 MB each; 1.5 MB keeps the open one and the newest.
  assert.deepEqual(await pruneRecordings(dir, { maxTotalMb: 2, now }), ["mid"]);
  const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assert.deepEqual(left, ["new.cast", "new.log", "open.cast", "open.log"]);
  assert.deepEqual(await pruneRecordings(dir, {}), []);
});
