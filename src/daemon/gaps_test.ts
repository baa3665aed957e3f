import assert from "node:assert/strict";
import { GapReporter } from "./gaps.ts";

Deno.test("GapReporter.update() reports only what grew since the last call", () => {
  const r = new GapReporter("host");
  assert.deepEqual(r.update({ ringbuf_full: { events: 0, bytes: 0 } }, 1), []);
  const first = r.update({ ringbuf_full: { events: 3, bytes: 300 } }, 2);
  assert.deepEqual(first, [{
    event_type: "capture_gap",
    timestamp: 2,
    hostname: "host",
    lost_events: 3,
    lost_bytes: 300,
    reason: "ringbuf_full",
  }]);
  assert.deepEqual(r.update({ ringbuf_full: { events: 3, bytes: 300 } }, 3), []);
  const second = r.update({ ringbuf_full: { events: 4, bytes: 350 } }, 4);
  assert.equal(second[0]?.lost_events, 1);
  assert.equal(second[0]?.lost_bytes, 50);
});
