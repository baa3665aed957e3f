import assert from "node:assert/strict";
import { sampleEvent } from "../plugins/mod.ts";
import { PermanentError } from "./_retry.ts";
import { slack } from "./slack_action.ts";
import { escapeSlack, slackText } from "./_slack_message.ts";
import { httpReceiver, recordingLogger, type Reply, TEST_RETRY } from "./_test_receivers.ts";

const HOSTILE = "<!channel> & $(touch /tmp/x)";

function call() {
  return { rule: "test", signal: new AbortController().signal };
}

async function withSlack(
  replies: Reply[],
  run: (url: string, logger: ReturnType<typeof recordingLogger>) => Promise<void>,
) {
  const receiver = httpReceiver(replies);
  const logger = recordingLogger();
  try {
    await run(receiver.url, logger);
  } finally {
    await receiver.close();
  }
  return { requests: receiver.requests, logger };
}

Deno.test("slackAction() escapes a hostile user name so <!channel> stays literal", async () => {
  const { requests } = await withSlack([], async (url) => {
    await slack({ slack_webhook_url: url }, { retry: TEST_RETRY }).handle(
      sampleEvent("connection_auth_failed", { username: HOSTILE }),
      call(),
    );
  });
  assert.equal(requests.length, 1);
  assert.equal(requests[0]!.method, "POST");
  const text: string = JSON.parse(requests[0]!.body).text;
  assert.ok(text.includes("&lt;!channel&gt; &amp; $(touch /tmp/x)"), text);
  assert.ok(!text.includes("<!channel>"), text);
  assert.ok(!/[<>]/.test(text), text);
});

Deno.test("slackText() names user, host and client address for each event type", () => {
  const login = slackText(sampleEvent("connection_established"));
  assert.match(login, /\*billy\* logged in to \*server1\* from 15\.12\.5\.8:59120 \(publickey\)/);
  assert.match(
    slackText(sampleEvent("connection_auth_failed")),
    /Failed login as \*admin\* on \*server1\* from 15\.12\.5\.8/,
  );
  assert.match(
    slackText(sampleEvent("connection_close")),
    /\*billy\* logged out of \*server1\* \(from 15\.12\.5\.8:59120, 5 s\)/,
  );
  assert.match(
    slackText(sampleEvent("command_start")),
    /\*billy\* on \*server1\* ran `\/usr\/bin\/sudo ls -la`/,
  );
  assert.match(
    slackText(sampleEvent("command_finish")),
    /finished `\/usr\/bin\/sudo ls -la` \(exit code 0\)/,
  );
  assert.match(
    slackText(sampleEvent("file_upload")),
    /\*billy\* uploaded `\/home\/billy\/a\.txt` to \*server1\*/,
  );
  assert.match(
    slackText(sampleEvent("file_download")),
    /\*billy\* downloaded `\/home\/billy\/b\.txt` from \*server1\*/,
  );
  assert.match(slackText(sampleEvent("capture_gap")), /\*server1\*: .*lost 1 events/);
});

Deno.test("escapeSlack() turns &, < and > into entities and shows control characters", () => {
  assert.equal(
    escapeSlack("<@U123> &amp; <http://x|y>\n"),
    "&lt;@U123&gt; &amp;amp; &lt;http://x|y&gt;\\n",
  );
});

Deno.test("slackAction() retries after a 429 with Retry-After", async () => {
  const { requests, logger } = await withSlack(
    [{ status: 429, headers: { "Retry-After": "1" } }],
    async (url, logger) => {
      await slack({ slack_webhook_url: url }, { retry: TEST_RETRY, logger }).handle(
        sampleEvent("command_start"),
        call(),
      );
    },
  );
  assert.equal(requests.length, 2);
  assert.equal(logger.lines.length, 1);
  assert.equal(logger.lines[0]!.properties.waitMs, 1000);
});

Deno.test("slackAction() retries a 500 with backoff, then succeeds", async () => {
  const { requests } = await withSlack([{ status: 500 }, { status: 503 }], async (url) => {
    await slack({ slack_webhook_url: url }, { retry: TEST_RETRY }).handle(
      sampleEvent("command_start"),
      call(),
    );
  });
  assert.equal(requests.length, 3);
});

Deno.test("slackAction() does not retry a 400", async () => {
  const { requests } = await withSlack([{ status: 400 }], async (url) => {
    await assert.rejects(
      Promise.resolve(
        slack({ slack_webhook_url: url }, { retry: TEST_RETRY }).handle(
          sampleEvent("command_start"),
          call(),
        ),
      ),
      (error: unknown) =>
        error instanceof PermanentError && /^Slack answered HTTP 400/.test(error.message),
    );
  });
  assert.equal(requests.length, 1);
});

Deno.test("slackAction() retries a slow receiver after its timeout", async () => {
  const { requests } = await withSlack([{ delayMs: 3000 }], async (url) => {
    await slack({ slack_webhook_url: url }, { retry: TEST_RETRY, requestTimeoutMs: 200 }).handle(
      sampleEvent("command_start"),
      call(),
    );
  });
  assert.equal(requests.length, 2);
});
