import assert from "node:assert/strict";
import { basicCredentials, constantTimeEqual, cookieValue, WebAuth } from "./auth.ts";

Deno.test("WebAuth refuses to exist without a password", () => {
  assert.throws(() => new WebAuth("admin", ""), /needs a password/);
});

Deno.test("constantTimeEqual() compares strings of any lengths", async () => {
  assert.equal(await constantTimeEqual("pässword", "pässword"), true);
  assert.equal(await constantTimeEqual("password", "password1"), false);
  assert.equal(await constantTimeEqual("", "x"), false);
});

Deno.test("WebAuth login sessions expire and end at logout", async () => {
  let now = 1_000_000;
  const auth = new WebAuth("admin", "pw", () => now);
  const result = await auth.login("admin", "pw", "10.0.0.1");
  assert.ok(result.ok);
  assert.equal(auth.session(result.token)?.user, "admin");
  now += 13 * 3600_000;
  assert.equal(auth.session(result.token), undefined);
  const again = await auth.login("admin", "pw", "10.0.0.1");
  assert.ok(again.ok);
  auth.logout(again.token);
  assert.equal(auth.session(again.token), undefined);
});

Deno.test("WebAuth locks out one address after repeated failures, not the others", async () => {
  let now = 0;
  const auth = new WebAuth("admin", "pw", () => now);
  for (let i = 0; i < 10; i++) await auth.login("admin", "nope", "10.0.0.9");
  assert.deepEqual(await auth.login("admin", "pw", "10.0.0.9"), { ok: false, reason: "locked" });
  assert.equal((await auth.login("admin", "pw", "10.0.0.8")).ok, true);
  now += 11 * 60_000;
  assert.equal((await auth.login("admin", "pw", "10.0.0.9")).ok, true);
});

Deno.test("cookieValue() finds one cookie among several", () => {
  assert.equal(cookieValue("a=1; sshlog_session=abc; b=2", "sshlog_session"), "abc");
  assert.equal(cookieValue(null, "sshlog_session"), undefined);
  assert.equal(cookieValue("xsshlog_session=1", "sshlog_session"), undefined);
});

Deno.test("basicCredentials() decodes user and password, and refuses the malformed", () => {
  assert.deepEqual(basicCredentials(`Basic ${btoa("admin:pa:ss")}`), {
    user: "admin",
    password: "pa:ss",
  });
  assert.equal(basicCredentials("Basic !!!"), undefined);
  assert.equal(basicCredentials(`Basic ${btoa("no-colon")}`), undefined);
  assert.equal(basicCredentials("Bearer x"), undefined);
  assert.equal(basicCredentials(null), undefined);
});
