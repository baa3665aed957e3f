/** Rebuilds a session's current screen from its latest output in a headless xterm.js terminal. */
import xterm from "@xterm/headless";
import serialize from "@xterm/addon-serialize";

/** The screen `output` leaves on a terminal of `size`, as escape sequences that redraw it. */
export async function renderScreen(
  output: Uint8Array,
  size: { columns: number; rows: number },
): Promise<string> {
  const term = new xterm.Terminal({
    cols: Math.max(1, size.columns),
    rows: Math.max(1, size.rows),
    allowProposedApi: true,
    scrollback: 0,
  });
  const addon = new serialize.SerializeAddon();
  term.loadAddon(addon);
  await new Promise<void>((resolve) => term.write(output, resolve));
  const screen = addon.serialize();
  term.dispose();
  return screen;
}
