const PARAM_TYPES = new Set([
  "string",
  "integer",
  "number",
  "boolean",
  "string_list",
  "string_or_list",
  "json",
]);
const NAME = /^[a-z][a-z0-9_]*$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function nameProblem(value: Record<string, unknown>): string | undefined {
  if (typeof value.name !== "string" || !NAME.test(value.name)) {
    return `"name" must be a lower-case identifier such as "my_filter"`;
  }
  return undefined;
}

/** Returns why a value is not a filter plug-in, or undefined when it is one. */
export function filterShapeProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return "A filter must be an object";
  if (value.kind !== "filter") return `"kind" must be "filter"`;
  const bad = nameProblem(value);
  if (bad) return bad;
  if (!Array.isArray(value.triggers) || !value.triggers.every((t) => typeof t === "string")) {
    return `Filter "${value.name}": "triggers" must be an array of event type names`;
  }
  if (typeof value.create !== "function") {
    return `Filter "${value.name}": "create" must be a function`;
  }
  return undefined;
}

function paramProblem(key: string, spec: unknown): string | undefined {
  if (!isRecord(spec)) return `parameter "${key}" must be an object`;
  if (typeof spec.type !== "string" || !PARAM_TYPES.has(spec.type)) {
    return `parameter "${key}" has unknown type "${String(spec.type)}"`;
  }
  return undefined;
}

/** Returns why a value is not an action plug-in, or undefined when it is one. */
export function actionShapeProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return "An action must be an object";
  if (value.kind !== "action") return `"kind" must be "action"`;
  const bad = nameProblem(value);
  if (bad) return bad;
  if (!isRecord(value.params)) return `Action "${value.name}": "params" must be an object`;
  for (const [key, spec] of Object.entries(value.params)) {
    const problem = paramProblem(key, spec);
    if (problem) return `Action "${value.name}": ${problem}`;
  }
  if (typeof value.create !== "function") {
    return `Action "${value.name}": "create" must be a function`;
  }
  if (value.check !== undefined && typeof value.check !== "function") {
    return `Action "${value.name}": "check" must be a function`;
  }
  return undefined;
}
