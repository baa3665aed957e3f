import assert from "node:assert/strict";
import { sampleEvent } from "../plugins/mod.ts";
import { PermanentError } from "./_retry.ts";
import {
  freePort,
  httpReceiver,
  recordingLogger,
  type Reply,
  TEST_RETRY,
  waitFor,
} from "./_test_receivers.ts";
import { hmacHex, webhook, type WebhookOptions } from "./webhook_action.ts";

const HOSTILE = "<!channel> & $(touch /tmp/x)";

function call() {
  return { rule: "test", signal: new AbortController().signal };
}

function options(url: string, more: Partial<WebhookOptions> = {}): WebhookOptions {
  return { webhook_url: url, do_get_request: false, timeout_seconds: 10, ...more };
}

async function send(
  replies: Reply[],
  more: Partial<WebhookOptions>,
  event = sampleEvent("command_start"),
) {
  const receiver = httpReceiver(replies);
  const logger = recordingLogger();
  let error: unknown;
  try {
    await webhook(options(receiver.url, more), { retry: TEST_RETRY, logger }).handle(event, call());
  } catch (caught) {
    error = caught;
  } finally {
    await receiver.close();
  }
  return { requests: receiver.requests, logger, error };
}

Deno.test("webhookAction() POSTs the event as JSON with a verifiable signature", async () => {
  const event = sampleEvent("connection_auth_failed", { username: HOSTILE });
  const { requests, error } = await send([], { secret: "s3cret" }, event);
  assert.equal(error, undefined);
  assert.equal(requests.length, 1);
  const request = requests[0]!;
  assert.equal(request.method, "POST");
  assert.equal(request.headers.get("content-type"), "application/json");
  assert.deepEqual(JSON.parse(request.body), event);
  assert.equal(JSON.parse(request.body).username, HOSTILE);
  assert.equal(
    request.headers.get("x-sshlog-signature"),
    `sha256=${await hmacHex("s3cret", request.body)}`,
  );
});

Deno.test("webhookAction() sends no signature without a secret", async () => {
  const { requests } = await send([], {});
  assert.equal(requests[0]!.headers.get("x-sshlog-signature"), null);
});

Deno.test("webhookAction() GETs the fields as a query string with tcp_info flattened", async () => {
  const event = sampleEvent("connection_established", { username: HOSTILE });
  const { requests } = await send([], { do_get_request: true, secret: "k" }, event);
  const request = requests[0]!;
  assert.equal(request.method, "GET");
  assert.equal(request.body, "");
  const query = request.url.searchParams;
  assert.equal(query.get("username"), HOSTILE);
  assert.equal(query.get("event_type"), "connection_established");
  assert.equal(query.get("client_ip"), "15.12.5.8");
  assert.equal(query.get("server_port"), "22");
  assert.equal(query.get("tcp_info"), null);
  assert.equal(
    request.headers.get("x-sshlog-signature"),
    `sha256=${await hmacHex("k", request.url.search.slice(1))}`,
  );
});

Deno.test("webhookAction() retries a 500, then succeeds", async () => {
  const { requests, error, logger } = await send([{ status: 500 }], {});
  assert.equal(error, undefined);
  assert.equal(requests.length, 2);
  assert.equal(requests[0]!.body, requests[1]!.body);
  assert.equal(logger.lines.length, 1);
});

Deno.test("webhookAction() retries after a 429 with Retry-After", async () => {
  const { requests, error, logger } = await send(
    [{ status: 429, headers: { "Retry-After": "1" } }],
    {},
  );
  assert.equal(error, undefined);
  assert.equal(requests.length, 2);
  assert.equal(logger.lines[0]!.properties.waitMs, 1000);
});

Deno.test("webhookAction() does not retry a 400", async () => {
  const { requests, error } = await send([{ status: 400 }], {});
  assert.ok(error instanceof PermanentError);
  assert.match(error.message, /^Webhook answered HTTP 400/);
  assert.equal(requests.length, 1);
});

Deno.test("webhookAction() gives up on a slow receiver after its timeout and retries", async () => {
  const { requests, error } = await send(
    [{ delayMs: 3000 }, { delayMs: 3000 }, { delayMs: 3000 }],
    { timeout_seconds: 0.2 },
  );
  assert.ok(error instanceof Error);
  assert.match(error.message, /^Webhook did not answer in time/);
  assert.equal(requests.length, 3);
});

Deno.test("webhookAction() retries when the receiver is down, then fails, without stalling other sessions", async () => {
  const logger = recordingLogger();
  const down = webhook(options(`http://127.0.0.1:${freePort()}/hook`), {
    retry: { ...TEST_RETRY, baseDelayMs: 300, maxDelayMs: 300 },
    logger,
  });
  const receiver = httpReceiver();
  try {
    const failing = Promise.resolve(down.handle(sampleEvent("command_start"), call()));
    const failed = failing.then(
      () => false,
      (error: Error) => /^Webhook cannot be reached/.test(error.message),
    );
    // Another action (or session) is served while the first one is still retrying.
    await webhook(options(receiver.url), { retry: TEST_RETRY }).handle(
      sampleEvent("command_start", { session_id: "other" }),
      call(),
    );
    assert.equal(receiver.requests.length, 1);
    assert.equal(await failed, true);
    await waitFor(() => logger.lines.length === 2);
    assert.match(logger.lines[0]!.message, /retrying/);
  } finally {
    await receiver.close();
  }
});
