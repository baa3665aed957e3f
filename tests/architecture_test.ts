/**
 * Walks the relative imports of every .ts file under src/, ffi/ and mod.ts and fails on an import
 * against the layer order, a cycle between folders, or a deep import of another folder's `_name.ts`.
 * Edit the rule table just below when a folder is added or a layer changes.
 */
import assert from "node:assert/strict";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Layers from the bottom up. A folder may import its own files, the folders of lower layers and the
 * folders of its own layer (cycles between folders are still refused), unless ONLY_IMPORTS narrows it.
 * Data flows ffi → tracer → sessions → events → consumers → cli → daemon → mod.ts. src/events holds
 * only the public event types and the bus, imports no other folder, and is imported by every layer
 * above it, src/sessions included (it builds the public events); src/daemon may import anything.
 * An entry ending in "/*.ts" names the files directly in that folder, not its sub-folders.
 */
const LAYERS: readonly (readonly string[])[] = [
  ["src/*.ts"], // loose leaf modules such as src/version.ts
  ["ffi"],
  ["src/tracer"],
  ["src/events"],
  ["src/sessions"],
  [
    "src/rules",
    "src/filters",
    "src/actions",
    "src/plugins",
    "src/config",
    "src/recorder",
    "src/ipc",
    "src/web",
  ],
  ["src/cli"],
  ["src/daemon"],
  ["mod.ts"],
];

/** Folders that may import only the folders listed (besides their own files). */
const ONLY_IMPORTS: Readonly<Record<string, readonly string[]>> = {
  "src/*.ts": [],
  "src/events": ["src/*.ts"],
  "src/cli": ["src/*.ts", "src/ipc", "src/events", "src/config", "src/recorder"],
};

/** Folders (and files) whose .ts files are checked, relative to the repository root. */
const ROOTS = ["src", "ffi", "mod.ts"];

/** One broken rule, as printed when the test fails. */
interface Violation {
  kind: "unknown-folder" | "upward" | "not-allowed" | "private" | "cycle";
  message: string;
}

function layerOf(path: string): string | undefined {
  let best: string | undefined;
  for (const folder of LAYERS.flat()) {
    const hit = folder.endsWith("/*.ts")
      ? dirname(path) === folder.slice(0, -"/*.ts".length) && path.endsWith(".ts")
      : path === folder || path.startsWith(folder + "/");
    if (hit && (best === undefined || folder.length > best.length)) best = folder;
  }
  return best;
}

function rankOf(folder: string): number {
  return LAYERS.findIndex((layer) => layer.includes(folder));
}

/** Blanks out comments so that code examples in docs are not taken for imports. */
function stripComments(source: string): string {
  let out = "";
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? source.length : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < source.length && source[j] !== c && (c === "`" || source[j] !== "\n")) {
        j += source[j] === "\\" ? 2 : 1;
      }
      out += source.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const IMPORT_PATTERNS = [
  /(?:^|[;\n}])\s*(?:import|export)\b[^;'"`]*?\bfrom\s*(["'])([^"'\n]+)\1/g,
  /(?:^|[;\n}])\s*import\s*(["'])([^"'\n]+)\1/g,
  /\bimport\s*\(\s*(["'])([^"'\n]+)\1\s*[,)]/g,
];

/** Returns the specifiers a module imports or re-exports (static, side-effect and dynamic). */
function importSpecifiers(source: string): string[] {
  const code = stripComments(source);
  const found = new Set<string>();
  for (const pattern of IMPORT_PATTERNS) {
    for (const match of code.matchAll(pattern)) found.add(match[2]!);
  }
  return [...found];
}

/** Checks a tree given as repository-relative path → source text; returns every broken rule. */
function checkTree(files: ReadonlyMap<string, string>): Violation[] {
  const violations: Violation[] = [];
  const edges = new Map<string, Map<string, string>>();
  for (const [path, source] of files) {
    const from = layerOf(path);
    if (from === undefined) {
      violations.push({
        kind: "unknown-folder",
        message: `${path}: its folder is not in the LAYERS table of tests/architecture_test.ts`,
      });
      continue;
    }
    for (const specifier of importSpecifiers(source)) {
      if (!specifier.startsWith("./") && !specifier.startsWith("../")) continue;
      const target = normalize(join(dirname(path), specifier));
      const to = layerOf(target);
      if (to === undefined || to === from) continue;
      const where = `${path} imports "${specifier}"`;
      const only = ONLY_IMPORTS[from];
      if (only !== undefined && !only.includes(to)) {
        violations.push({ kind: "not-allowed", message: `${where}: ${from} may not import ${to}` });
      } else if (only === undefined && rankOf(to) > rankOf(from)) {
        violations.push({
          kind: "upward",
          message: `${where}: ${from} is below ${to} in the layer order`,
        });
      }
      const base = target.split("/").pop() ?? "";
      // Test helpers (`_test_*.ts`) are shared with the tests of other folders.
      const testHelper = base.startsWith("_test_") && /_test\.ts$/.test(path);
      if (base.startsWith("_") && !testHelper) {
        violations.push({
          kind: "private",
          message: `${where}: "${base}" is private to ${to} (import its mod.ts)`,
        });
      }
      const out = edges.get(from) ?? new Map<string, string>();
      if (!out.has(to)) out.set(to, where);
      edges.set(from, out);
    }
  }
  for (const cycle of folderCycles(edges)) {
    const steps = cycle.map((folder, k) => {
      const next = cycle[(k + 1) % cycle.length]!;
      return edges.get(folder)?.get(next) ?? `${folder} -> ${next}`;
    });
    violations.push({
      kind: "cycle",
      message: `${[...cycle, cycle[0]].join(" -> ")}: ${steps.join("; ")}`,
    });
  }
  return violations;
}

/** Finds each strongly connected group of folders (Tarjan) and returns one cycle through it. */
function folderCycles(edges: ReadonlyMap<string, ReadonlyMap<string, string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  function visit(node: string): void {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    for (const next of edges.get(node)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (stack.includes(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let top: string;
    do {
      top = stack.pop()!;
      group.push(top);
    } while (top !== node);
    if (group.length > 1) cycles.push(cycleThrough(group, edges));
  }
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

/** Returns one path that starts and ends at the group's first member, staying inside the group. */
function cycleThrough(
  group: readonly string[],
  edges: ReadonlyMap<string, ReadonlyMap<string, string>>,
): string[] {
  const start = [...group].sort()[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of edges.get(node)?.keys() ?? []) {
      if (!group.includes(next)) continue;
      if (next === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return path;
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [...group];
}

async function readTree(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  async function walk(path: string): Promise<void> {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(join(root, path));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    if (info.isDirectory) {
      for await (const entry of Deno.readDir(join(root, path))) await walk(`${path}/${entry.name}`);
    } else if (path.endsWith(".ts") && !path.endsWith(".d.ts")) {
      files.set(path, await Deno.readTextFile(join(root, path)));
    }
  }
  for (const start of ROOTS) await walk(start);
  return files;
}

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

Deno.test("checkTree() finds no broken layer rule in the repository", async () => {
  const files = await readTree(REPO_ROOT);
  const messages = checkTree(files).map((v) => `${v.kind}: ${v.message}`);
  assert.ok(files.size > 0, "Found no .ts file under src/, ffi/ or mod.ts");
  assert.deepEqual(messages, [], `Architecture rules broken:\n${messages.join("\n")}`);
});

const EXAMPLE = new Map<string, string>([
  ["mod.ts", `import { run } from "./src/cli/mod.ts";\nimport "./src/daemon/mod.ts";\n`],
  ["ffi/mod.ts", `export * from "./libbpf.ts";\n`],
  ["ffi/libbpf.ts", `export const LIB = "libbpf.so.1"; // import "../src/tracer/mod.ts"\n`],
  ["src/tracer/mod.ts", `export { open } from "../../ffi/mod.ts";\nimport "../sessions/mod.ts";\n`],
  ["src/events/mod.ts", `/** @example import { x } from "../sessions/mod.ts" */\nexport {};\n`],
  ["src/sessions/mod.ts", `import type {\n  A,\n  B,\n} from "../events/mod.ts";\n`],
  ["src/rules/mod.ts", `import { act } from "../actions/mod.ts";\nimport "npm:zod";\n`],
  ["src/actions/mod.ts", `const m = await import("../rules/mod.ts");\n`],
  ["src/ipc/_wire.ts", `export const V = 1;\n`],
  ["src/ipc/mod.ts", `export { V } from "./_wire.ts";\n`],
  ["src/cli/mod.ts", `import { V } from "../ipc/_wire.ts";\nimport "../tracer/mod.ts";\n`],
  ["src/daemon/mod.ts", `import "../tracer/mod.ts";\nimport "../cli/mod.ts";\n`],
  ["src/stray/mod.ts", `export {};\n`],
  ["src/version.ts", `export const VERSION = "1";\n`],
  ["src/web/mod.ts", `import { VERSION } from "../version.ts";\n`],
]);

Deno.test("checkTree() reports each kind of broken rule in an example tree", () => {
  const found = checkTree(EXAMPLE).map((v) => `${v.kind} ${v.message.split(":")[0]}`).sort();
  assert.deepEqual(found, [
    "cycle src/actions -> src/rules -> src/actions",
    `not-allowed src/cli/mod.ts imports "../tracer/mod.ts"`,
    `private src/cli/mod.ts imports "../ipc/_wire.ts"`,
    "unknown-folder src/stray/mod.ts",
    `upward src/tracer/mod.ts imports "../sessions/mod.ts"`,
  ]);
});

Deno.test("importSpecifiers() reads static, type, re-export, side-effect and dynamic imports", () => {
  const source = [
    `import a from "./a.ts";`,
    `import type { B } from './b.ts';`,
    `export * as c from "./c.ts";`,
    `export {\n  d,\n} from "./d.ts";`,
    `import "./e.ts";`,
    `const f = await import("./f.ts");`,
    `type G = import("./g.ts").G;`,
    `// import "./commented.ts";`,
    `const url = "http://x/"; /* import "./block.ts" */`,
    `const h = Array.from("./not-an-import.ts");`,
  ].join("\n");
  assert.deepEqual(importSpecifiers(source).sort(), [
    "./a.ts",
    "./b.ts",
    "./c.ts",
    "./d.ts",
    "./e.ts",
    "./f.ts",
    "./g.ts",
  ]);
});
