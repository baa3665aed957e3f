import type { ParamSpec, ParamSpecs } from "../plugins/mod.ts";
import { describeNode, plainValue, type YEntry, type YNode } from "./_yaml_tree.ts";
import type { ProblemList } from "./errors.ts";

/** The result of checking one value: the value, or why it is wrong. */
type Checked = { value: unknown } | { problem: string };

function scalarText(node: YNode): string | undefined {
  if (node.kind !== "scalar" || node.value === null) return undefined;
  return typeof node.value === "string" ? node.value : node.text;
}

/** A quoted number (`port: "514"`, as configs for the original agent may have) as its number. */
function numeric(value: unknown): unknown {
  return typeof value === "string" && /^\s*[+-]?\d+(\.\d+)?\s*$/.test(value)
    ? Number(value)
    : value;
}

function checkType(spec: ParamSpec, node: YNode): Checked {
  const raw = node.kind === "scalar" ? node.value : undefined;
  const value = spec.type === "integer" || spec.type === "number" ? numeric(raw) : raw;
  // A secret parameter's value is never repeated in a message (config check, daemon log).
  const shown = spec.secret && node.kind === "scalar" && node.value !== null
    ? "the value given"
    : describeNode(node);
  switch (spec.type) {
    case "string": {
      const text = scalarText(node);
      return text === undefined ? { problem: `must be text, not ${shown}` } : { value: text };
    }
    case "integer":
      return typeof value === "number" && Number.isInteger(value)
        ? { value }
        : { problem: `must be an integer, not ${shown}` };
    case "number":
      return typeof value === "number" && Number.isFinite(value)
        ? { value }
        : { problem: `must be a number, not ${shown}` };
    case "boolean":
      return typeof value === "boolean"
        ? { value }
        : { problem: `must be true or false, not ${shown}` };
    case "string_list":
    case "string_or_list": {
      if (spec.type === "string_or_list" && node.kind === "scalar") {
        const text = scalarText(node);
        return text === undefined ? { problem: `must be text or a list of text` } : { value: text };
      }
      if (node.kind !== "seq") {
        return { problem: `must be a list of text, not ${shown}` };
      }
      const texts = node.items.map(scalarText);
      return texts.every((text) => text !== undefined)
        ? { value: texts }
        : { problem: "must be a list of text (each item a single value)" };
    }
    case "json":
      return { value: plainValue(node) };
  }
}

function checkRange(spec: ParamSpec, value: unknown): string | undefined {
  if (spec.choices && !spec.choices.includes(value as string)) {
    return `must be one of ${spec.choices.map((c) => JSON.stringify(c)).join(", ")}`;
  }
  if (typeof value === "number") {
    if (spec.min !== undefined && value < spec.min) return `must be at least ${spec.min}`;
    if (spec.max !== undefined && value > spec.max) return `must be at most ${spec.max}`;
  }
  return undefined;
}

/**
 * Checks the parameter entries of an action against its declarations. Unknown keys and bad
 * values are recorded; returns the accepted values by key.
 */
export function checkParams(
  file: string,
  plugin: string,
  specs: ParamSpecs,
  entries: readonly YEntry[],
  problems: ProblemList,
): Map<string, unknown> {
  const values = new Map<string, unknown>();
  for (const entry of entries) {
    const spec = specs[entry.key];
    if (!spec) {
      const known = Object.keys(specs).sort().join(", ") || "none";
      problems.error(
        file,
        entry.keyPos,
        `Unknown parameter "${entry.key}" for "${plugin}" (known: ${known})`,
      );
      continue;
    }
    const checked = checkType(spec, entry.value);
    const problem = "problem" in checked ? checked.problem : checkRange(spec, checked.value);
    if (problem !== undefined || !("value" in checked)) {
      problems.error(file, entry.value.pos, `Parameter "${entry.key}" of "${plugin}" ${problem}`);
      continue;
    }
    values.set(entry.key, checked.value);
  }
  return values;
}

/** Fills defaults in and lists the required parameters still missing. */
export function completeParams(
  specs: ParamSpecs,
  given: ReadonlyMap<string, unknown>,
): { params: Record<string, unknown>; missing: string[] } {
  const params: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const [key, spec] of Object.entries(specs)) {
    if (given.has(key)) params[key] = given.get(key);
    else if (spec.default !== undefined) params[key] = structuredClone(spec.default);
    else if (spec.required) missing.push(key);
  }
  return { params, missing };
}
