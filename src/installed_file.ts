/** Finding a file that ships with sshlog: named by a variable, beside the program, or packaged. */

/**
 * The first of `candidates` (unset ones skipped) where `marker(candidate)` is a file; the
 * second candidate (the file beside the program) when none is, so errors name that path.
 */
export function firstInstalled(
  candidates: readonly [string | undefined, string, string],
  marker: (candidate: string) => string = (candidate) => candidate,
): string {
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      if (Deno.statSync(marker(candidate)).isFile) return candidate;
    } catch { /* next */ }
  }
  return candidates[1];
}
