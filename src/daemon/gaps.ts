/** Turns the kernel's loss counters into capture_gap events whenever they grow. */
import type { CaptureGapEvent } from "../events/types.ts";
import type { GapTotals } from "../tracer/tracer.ts";

/** Compares successive totals and yields one event per reason that grew. */
export class GapReporter {
  #last: GapTotals = {};
  #hostname: string;

  constructor(hostname: string) {
    this.#hostname = hostname;
  }

  /** Events for what was lost since the previous call. */
  update(totals: GapTotals, now = Date.now()): CaptureGapEvent[] {
    const out: CaptureGapEvent[] = [];
    for (const [reason, t] of Object.entries(totals)) {
      const prev = this.#last[reason] ?? { events: 0, bytes: 0 };
      if (t.events > prev.events || t.bytes > prev.bytes) {
        out.push({
          event_type: "capture_gap",
          timestamp: now,
          hostname: this.#hostname,
          lost_events: t.events - prev.events,
          lost_bytes: t.bytes - prev.bytes,
          reason,
        });
      }
    }
    this.#last = structuredClone(totals);
    return out;
  }
}
