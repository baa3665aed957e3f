/**
 * Flags may stand before the command (`sshlog --socket PATH sessions`): the dispatcher skips the
 * values of the flags it knows to take one. Every flag a command's help shows with a value must
 * be one of them, or its value would be taken for the command name.
 */
import assert from "node:assert/strict";
import { VALUE_FLAGS } from "../mod.ts";

const MOD_TS = new URL("../mod.ts", import.meta.url).pathname;

async function sshlog(args: string[]): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "-q", MOD_TS, ...args],
    env: { NO_COLOR: "1" },
  }).output();
  return new TextDecoder().decode(output.stdout);
}

Deno.test("every flag that takes a value is known to the dispatcher", async () => {
  const overview = await sshlog(["help"]);
  const commands = [...overview.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]!);
  assert.ok(commands.includes("recordings") && commands.includes("daemon"), overview);
  const missing: string[] = [];
  for (const command of commands.filter((c) => c !== "help")) {
    const help = await sshlog([command, "--help"]);
    for (const [, flag] of help.matchAll(/(--[a-z-]+)[ =](?:[A-Z][A-Z.]*|X|N|IP|PEM)\b/g)) {
      if (!VALUE_FLAGS.has(flag!)) missing.push(`${command} ${flag}`);
    }
  }
  assert.deepEqual(missing, []);
});
