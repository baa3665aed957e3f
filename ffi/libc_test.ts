import assert from "node:assert/strict";
import { lookupUser } from "./libc.ts";

Deno.test("lookupUser() finds users by uid and name in the system's user database", () => {
  assert.deepEqual(lookupUser(0), { name: "root", uid: 0 });
  assert.deepEqual(lookupUser("root"), { name: "root", uid: 0 });
  assert.equal(lookupUser(3_999_999_999), undefined);
  assert.equal(lookupUser(`no-such-user-${crypto.randomUUID().slice(0, 8)}`), undefined);
  assert.equal(lookupUser(""), undefined);
  assert.equal(lookupUser("root\0x"), undefined, "a NUL never truncates a name into another");
});
