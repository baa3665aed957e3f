import type { SshlogEvent } from "../plugins/mod.ts";

/** A test of a number, parsed from `"!= 0"`, `">1"`, `"= 0"`, `0` and the like. */
export type NumberTest = (value: number) => boolean;

const COMPARISON = /^\s*(<=|>=|==|!=|=|<|>)?\s*([+-]?\d+(?:\.\d+)?)\s*$/;
const OPERATORS: Record<string, (a: number, b: number) => boolean> = {
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
  "=": (a, b) => a === b,
  "==": (a, b) => a === b,
  "!=": (a, b) => a !== b,
};

function describe(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : JSON.stringify(value) ?? String(value);
}

/** Turns a value or a list of values into a list; a list means "any of". */
export function anyOf(argument: unknown): unknown[] {
  return Array.isArray(argument) ? argument : [argument];
}

/**
 * Parses one comparison such as `"!= 0"`, `"!=0"`, `"> 1"`, `"= 0"` or a plain integer.
 * @throws {SyntaxError} when the text is no comparison
 */
export function parseComparison(argument: unknown): NumberTest {
  if (typeof argument === "number" && Number.isFinite(argument)) {
    return (value) => value === argument;
  }
  const match = typeof argument === "string" ? COMPARISON.exec(argument) : null;
  if (!match) {
    throw new SyntaxError(
      `Cannot parse comparison ${describe(argument)}: use a number or "<op> <n>" with one of ` +
        `<, <=, >, >=, =, ==, !=`,
    );
  }
  const compare = OPERATORS[match[1] ?? "="] ?? OPERATORS["="]!;
  const limit = Number(match[2]);
  return (value) => compare(value, limit);
}

/**
 * Parses a comparison or a non-empty list of them (any may match).
 * @throws {SyntaxError} when an entry is no comparison
 */
export function parseComparisons(argument: unknown): NumberTest {
  const tests = nonEmpty(anyOf(argument)).map(parseComparison);
  return (value) => tests.some((test) => test(value));
}

function nonEmpty(list: unknown[]): unknown[] {
  if (list.length === 0) {
    throw new RangeError("An empty list matches nothing: give at least one value");
  }
  return list;
}

/**
 * Accepts a string or a non-empty list of strings (numbers are taken as their text).
 * @throws {TypeError} for other values
 */
export function stringsOf(argument: unknown): string[] {
  return nonEmpty(anyOf(argument)).map((item) => {
    if (typeof item === "string") return item;
    if (typeof item === "number") return String(item);
    throw new TypeError(`Expected a string or a list of strings, got ${describe(item)}`);
  });
}

const PYTHON_FLAGS = /^\(\?([aiLmsux]+)\)/;

/**
 * Turns the Python `re` syntax that configs written for the original agent use into JavaScript:
 * leading inline flags `(?i)`, `(?m)`, `(?s)`, named groups `(?P<n>…)` and `(?P=n)`, the anchors
 * `\A` and `\Z`, and `$`, which (without `(?m)`) also matches before a final newline, as
 * Python's does: `done$` finds "done\n". Only `\n` ends a line, as in Python (`.` takes `\r`;
 * with `(?m)`, `^` and `$` break at `\n` only). A `]` first in a class is literal, as in Python.
 * Other syntax is passed as written.
 * @throws {SyntaxError} for a Python flag JavaScript has no equivalent of (`x`, `L`) or an
 * unterminated `(?P=name`
 */
export function fromPythonRegex(source: string): { source: string; flags: string } {
  let flags = "";
  let rest = source;
  for (let match = PYTHON_FLAGS.exec(rest); match; match = PYTHON_FLAGS.exec(rest)) {
    for (const flag of match[1]!) {
      if (flag === "x" || flag === "L") {
        throw new SyntaxError(`The inline flag (?${flag}) is not supported`);
      }
      if ("ims".includes(flag) && !flags.includes(flag)) flags += flag;
    }
    rest = rest.slice(match[0].length);
  }
  let out = "";
  let inClass = false;
  for (let i = 0; i < rest.length; i++) {
    const char = rest[i]!;
    if (char === "\\" && i + 1 < rest.length) {
      const next = rest[++i]!;
      if (!inClass && next === "A") out += "(?<![\\s\\S])";
      else if (!inClass && next === "Z") out += "(?![\\s\\S])";
      else out += char + next;
    } else if (inClass) {
      if (char === "]") inClass = false;
      out += char;
    } else if (char === "[") {
      inClass = true;
      out += char;
      if (rest[i + 1] === "^") out += rest[++i];
      if (rest[i + 1] === "]") out += "\\" + rest[++i];
    } else if (rest.startsWith("(?P<", i)) {
      out += "(?<";
      i += 3;
    } else if (rest.startsWith("(?P=", i)) {
      const end = rest.indexOf(")", i);
      if (end < 0) throw new SyntaxError("Unterminated (?P=name)");
      out += `\\k<${rest.slice(i + 4, end)}>`;
      i = end;
    } else if (char === "$") {
      out += flags.includes("m") ? "(?![^\\n])" : "(?=\\n?(?![\\s\\S]))";
    } else if (char === "^" && flags.includes("m")) {
      out += "(?<![^\\n])"; // only \n starts a line in Python (JavaScript: \r too)
    } else if (char === "." && !flags.includes("s")) {
      out += "[^\\n]"; // Python's . takes \r, JavaScript's does not
    } else {
      out += char;
    }
  }
  return { source: out, flags };
}

/**
 * Compiles a regular expression or a list of them (JavaScript syntax, or the Python syntax of
 * {@linkcode fromPythonRegex}); a match may be anywhere in the value.
 * @throws {SyntaxError} for an invalid expression
 */
export function regexesOf(argument: unknown): RegExp[] {
  return stringsOf(argument).map((text) => {
    try {
      const { source, flags } = fromPythonRegex(text);
      return new RegExp(source, flags);
    } catch (error) {
      throw new SyntaxError(`Invalid regular expression "${text}"`, { cause: error });
    }
  });
}

/**
 * Accepts a boolean (YAML `true`, `True`, `yes`).
 * @throws {TypeError} for other values
 */
export function booleanOf(argument: unknown): boolean {
  if (typeof argument !== "boolean") {
    throw new TypeError(`Expected true or false, got ${describe(argument)}`);
  }
  return argument;
}

/**
 * Reads a string field of an event.
 * @throws {TypeError} when the event lacks it: the filter cannot evaluate, the event is dropped
 */
export function stringField(event: SshlogEvent, name: string): string {
  const value = (event as unknown as Record<string, unknown>)[name];
  if (typeof value !== "string") {
    throw new TypeError(`Event "${event.event_type}" has no text field "${name}"`);
  }
  return value;
}

/**
 * Reads a number field of an event.
 * @throws {TypeError} when the event lacks it: the filter cannot evaluate, the event is dropped
 */
export function numberField(event: SshlogEvent, name: string): number {
  const value = (event as unknown as Record<string, unknown>)[name];
  if (typeof value !== "number") {
    throw new TypeError(`Event "${event.event_type}" has no number field "${name}"`);
  }
  return value;
}

/** Event types that belong to a session and carry its user and tty fields. */
export const SESSION_EVENT_TYPES: readonly string[] = [
  "connection_established",
  "connection_close",
  "command_start",
  "command_finish",
  "terminal_update",
  "terminal_input",
  "terminal_resize",
  "file_upload",
  "file_download",
  "session_attach",
  "session_detach",
];

/** The command event types. */
export const COMMAND_EVENT_TYPES: readonly string[] = ["command_start", "command_finish"];
