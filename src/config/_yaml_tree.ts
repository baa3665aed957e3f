import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
} from "yaml";
import type { ProblemList, SourcePosition } from "./errors.ts";

/** A YAML scalar with its position; `text` is its source text (YAML 1.1 turns `no` into false). */
export interface YScalar {
  readonly kind: "scalar";
  readonly pos: SourcePosition;
  readonly value: unknown;
  readonly text: string;
}

/** A YAML mapping entry: a key (always taken as text) and its value. */
export interface YEntry {
  readonly key: string;
  readonly keyPos: SourcePosition;
  readonly value: YNode;
}

/** A YAML mapping with its entries in file order. */
export interface YMap {
  readonly kind: "map";
  readonly pos: SourcePosition;
  readonly entries: readonly YEntry[];
}

/** A YAML sequence. */
export interface YSeq {
  readonly kind: "seq";
  readonly pos: SourcePosition;
  readonly items: readonly YNode[];
}

/** Any YAML node, positioned. */
export type YNode = YScalar | YMap | YSeq;

type Resolve = (node: unknown, fallback: SourcePosition) => YNode;

function converter(lines: LineCounter, resolveAlias: (node: Node) => unknown): Resolve {
  const at = (node: { range?: unknown } | null | undefined, fallback: SourcePosition) => {
    const range = node?.range;
    return Array.isArray(range) && typeof range[0] === "number"
      ? lines.linePos(range[0])
      : fallback;
  };
  const convert: Resolve = (node, fallback) => {
    if (isAlias(node)) return convert(resolveAlias(node), at(node, fallback));
    const pos = at(node as { range?: unknown }, fallback);
    if (isMap(node)) {
      const entries: YEntry[] = [];
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyPos = at(pair.key as { range?: unknown }, pos);
        const key = isScalar(pair.key)
          ? String(pair.key.source ?? pair.key.value)
          : String(pair.key);
        entries.push({ key, keyPos, value: convert(pair.value, keyPos) });
      }
      return { kind: "map", pos, entries };
    }
    if (isSeq(node)) {
      return {
        kind: "seq",
        pos,
        items: node.items.map((item) => convert(item, pos)),
      };
    }
    if (isScalar(node)) {
      const value = node.value;
      return { kind: "scalar", pos, value, text: node.source ?? String(value ?? "") };
    }
    return { kind: "scalar", pos, value: null, text: "" };
  };
  return convert;
}

/**
 * Parses YAML 1.1 (as the original agent's PyYAML did: `True`, `yes`) keeping positions.
 * Syntax errors are recorded and give undefined; an empty document gives null.
 */
export function parseYamlTree(
  file: string,
  text: string,
  problems: ProblemList,
): YNode | null | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, version: "1.1" });
  let fatal = false;
  for (const error of doc.errors) {
    const pos = error.linePos?.[0] ?? { line: 1, col: 1 };
    const message = error.code === "DUPLICATE_KEY"
      ? "Duplicate key: each key may appear once in a mapping"
      : `Invalid YAML: ${error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`;
    problems.error(file, pos, message);
    if (error.code !== "DUPLICATE_KEY") fatal = true;
  }
  if (fatal) return undefined;
  const convert = converter(lines, (node) => (isAlias(node) ? node.resolve(doc) : undefined));
  return doc.contents === null ? null : convert(doc.contents, { line: 1, col: 1 });
}

/** Converts a node to a plain value (maps to objects, sequences to arrays). */
export function plainValue(node: YNode): unknown {
  if (node.kind === "scalar") return node.value;
  if (node.kind === "seq") return node.items.map(plainValue);
  return Object.fromEntries(node.entries.map((entry) => [entry.key, plainValue(entry.value)]));
}

/** Describes a node's kind for messages: "a list", "a mapping", "true", `"text"`. */
export function describeNode(node: YNode): string {
  if (node.kind === "seq") return "a list";
  if (node.kind === "map") return "a mapping";
  if (node.value === null) return "nothing";
  return typeof node.value === "string" ? `"${node.value}"` : node.text;
}
