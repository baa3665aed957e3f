/** Statistics and the text table of the benchmark's report. */

/** Median of the values; NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0..100) of the values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** A number with `digits` decimals, "n/a" for NaN. */
export function fmt(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

/** One line of the results table. */
export interface Row {
  workload: string;
  metric: string;
  value: string;
  target: string;
  /** true/false when there is a target, undefined for information only. */
  met: boolean | undefined;
}

/** Renders rows as an aligned text table. */
export function table(rows: readonly Row[]): string {
  const header = ["workload", "metric", "measured", "target", "met"];
  const cells = rows.map((row) => [
    row.workload,
    row.metric,
    row.value,
    row.target,
    row.met === undefined ? "" : row.met ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) =>
    c.map((v, i) => v.padEnd(widths[i]!)).join(" | ").trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("-+-");
  let previous = "";
  const body = cells.map((c) => {
    // Print a workload's name on its first row only.
    const shown = c[0] === previous ? ["", ...c.slice(1)] : c;
    previous = c[0]!;
    return line(shown);
  });
  return [line(header), rule, ...body].join("\n");
}
