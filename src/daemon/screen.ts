/** Rebuilds a session's current screen from its latest output in a headless xterm.js terminal. */
// The package's "module" field names a file it does not ship: import its ES module by path.
import { Terminal } from "@xterm/headless/lib-headless/xterm-headless.mjs";
import { SerializeAddon } from "@xterm/addon-serialize/lib/addon-serialize.mjs";

/** The screen `output` leaves on a terminal of `size`, as escape sequences that redraw it. */
export async function renderScreen(
  output: Uint8Array,
  size: { columns: number; rows: number },
): Promise<string> {
  const term = new Terminal({
    cols: Math.max(1, size.columns),
    rows: Math.max(1, size.rows),
    allowProposedApi: true,
    scrollback: 0,
  });
  const addon = new SerializeAddon();
  term.loadAddon(addon);
  await new Promise<void>((resolve) => term.write(output, resolve));
  const screen = addon.serialize();
  term.dispose();
  return screen;
}
