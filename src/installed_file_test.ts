import assert from "node:assert/strict";
import { firstInstalled } from "./installed_file.ts";

Deno.test("firstInstalled() takes the first candidate that exists, else the one beside the program", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sshlog-installed-" });
  try {
    await Deno.mkdir(`${dir}/packaged`);
    await Deno.writeTextFile(`${dir}/packaged/index.html`, "");
    await Deno.writeTextFile(`${dir}/object.o`, "");
    const beside = `${dir}/beside`;
    const web = (root: string) => `${root}/index.html`;
    assert.equal(firstInstalled([undefined, beside, `${dir}/packaged`], web), `${dir}/packaged`);
    assert.equal(firstInstalled([`${dir}/none`, beside, `${dir}/gone`], web), beside);
    assert.equal(firstInstalled([`${dir}/object.o`, beside, `${dir}/gone`]), `${dir}/object.o`);
    assert.equal(firstInstalled(["", beside, `${dir}/packaged`]), beside, "a folder is no file");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
