import assert from "node:assert/strict";
import { stableBootEpochSeconds } from "./clock.ts";

Deno.test("stableBootEpochSeconds() keeps the first btime of a boot when the clock is stepped", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-clock-" });
  try {
    const file = `${dir}/boot-epoch`;
    assert.equal(stableBootEpochSeconds(file, () => "boot-a", () => 1_700_000_000), 1_700_000_000);
    // NTP stepped the clock: the kernel's btime moved, the stored one holds for this boot.
    assert.equal(stableBootEpochSeconds(file, () => "boot-a", () => 1_700_000_042), 1_700_000_000);
    // A new boot takes its own.
    assert.equal(stableBootEpochSeconds(file, () => "boot-b", () => 1_800_000_000), 1_800_000_000);
    await Deno.writeTextFile(file, "boot-b garbage\n");
    assert.equal(stableBootEpochSeconds(file, () => "boot-b", () => 1_800_000_007), 1_800_000_007);
    assert.equal(
      stableBootEpochSeconds(`${dir}/no/such/dir`, () => "boot-c", () => 5),
      5,
      "an unwritable place still gives the kernel's value",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
