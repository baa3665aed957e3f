/**
 * The web interface's static files (scripts/build_web.sh makes the folder): read once at start,
 * served from memory by exact name. A request never names a path on disk.
 */
import { firstInstalled } from "../installed_file.ts";

const TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
};

/** One file ready to serve. */
export interface Asset {
  body: Uint8Array<ArrayBuffer>;
  type: string;
}

/** The folder of the web files: $SSHLOG_WEB_ROOT, beside the program, or the packaged path. */
export function findWebRoot(env: (name: string) => string | undefined): string {
  return firstInstalled([
    env("SSHLOG_WEB_ROOT"),
    new URL("../../build/web", import.meta.url).pathname,
    "/usr/lib/sshlog/web",
  ], (root) => `${root}/index.html`);
}

/** Reads every file of `root` and `root/vendor` into a map keyed by URL path ("/app.js"). */
export function loadAssets(root: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const sub of ["", "/vendor"]) {
    for (const entry of Deno.readDirSync(root + sub)) {
      const type = TYPES[entry.name.slice(entry.name.lastIndexOf(".") + 1)];
      if (!entry.isFile || !type) continue;
      assets.set(`${sub}/${entry.name}`, {
        body: Deno.readFileSync(`${root}${sub}/${entry.name}`),
        type,
      });
    }
  }
  if (!assets.has("/index.html")) {
    throw new Error(`"${root}" holds no index.html: run scripts/build_web.sh`);
  }
  return assets;
}
