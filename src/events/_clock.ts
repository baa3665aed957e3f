/** Wall-clock formatting in a chosen IANA time zone (the system's when none is given). */

const FORMATTERS = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string | undefined): Intl.DateTimeFormat {
  const key = tz ?? "";
  let cached = FORMATTERS.get(key);
  if (cached === undefined) {
    cached = new Intl.DateTimeFormat("en-GB", {
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
      ...(tz === undefined ? {} : { timeZone: tz }),
    });
    FORMATTERS.set(key, cached);
  }
  return cached;
}

function parts(epochMs: number, tz: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of formatter(tz).formatToParts(new Date(epochMs))) out[part.type] = part.value;
  return out;
}

/**
 * Formats epoch milliseconds as `HH:MM:SS`; "--:--:--" for a time that is not a finite number.
 * @throws {RangeError} when `tz` is not a valid time zone name
 */
export function formatClockTime(epochMs: number, tz?: string): string {
  if (!Number.isFinite(epochMs)) return "--:--:--";
  const p = parts(epochMs, tz);
  return `${p.hour}:${p.minute}:${p.second}`;
}

/**
 * Formats epoch milliseconds as `YYYY-MM-DD HH:MM:SS`; "-" for a time that is not a finite number.
 * @throws {RangeError} when `tz` is not a valid time zone name
 */
export function formatDateTime(epochMs: number, tz?: string): string {
  if (!Number.isFinite(epochMs)) return "-";
  const p = parts(epochMs, tz);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** Formats a duration in milliseconds for people: "850 ms", "12 s", "5 min 3 s", "2 h 5 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "-";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
