import assert from "node:assert/strict";
import { reset } from "@logtape/logtape";
import { setupLogging } from "./logging.ts";

Deno.test("setupLogging() makes a missing log folder private and refuses an impossible path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-logging-" });
  try {
    const file = `${dir}/new/sshlogd.log`;
    await setupLogging({ debug: false, file });
    assert.equal((await Deno.stat(`${dir}/new`)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    await Deno.writeTextFile(`${dir}/plain`, "");
    await assert.rejects(() => setupLogging({ debug: false, file: `${dir}/plain/x.log` }));
  } finally {
    await reset();
    await Deno.remove(dir, { recursive: true });
  }
});
