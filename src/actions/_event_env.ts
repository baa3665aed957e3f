import type { SshlogEvent } from "../plugins/mod.ts";

type Fields = Record<string, unknown>;

/** Longest value put in one environment variable; longer ones are cut (the full event is on stdin). */
export const MAX_ENV_VALUE = 32 * 1024;

/** The text of a field value: strings as they are, numbers and booleans printed, the rest JSON. */
export function fieldText(value: unknown): string {
  let text: string;
  if (value === undefined || value === null) text = "";
  else if (typeof value === "string") text = value;
  else if (typeof value === "number" || typeof value === "boolean") text = String(value);
  else text = JSON.stringify(value) ?? "";
  // execve cannot carry NUL bytes; drop them rather than fail the whole command.
  return text.includes("\0") ? text.replaceAll("\0", "") : text;
}

function isRecord(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Looks a `{{name}}` up: a top-level field, a `tcp_info` field (`client_ip`) or a dotted path. */
export function lookupField(event: SshlogEvent, name: string): unknown {
  const fields = event as unknown as Fields;
  if (name in fields) return fields[name];
  if (name.includes(".")) {
    let value: unknown = fields;
    for (const part of name.split(".")) value = isRecord(value) ? value[part] : undefined;
    return value;
  }
  const tcp = fields.tcp_info;
  return isRecord(tcp) ? tcp[name] : undefined;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g;

/**
 * Replaces each `{{field}}` in one argument by the field's text, in a single pass: a value that
 * itself contains `{{…}}` or shell syntax is inserted verbatim and never expanded again.
 */
export function substituteFields(template: string, event: SshlogEvent): string {
  return template.replace(
    PLACEHOLDER,
    (_match, name: string) => fieldText(lookupField(event, name)),
  );
}

function envName(key: string): string {
  return "SSHLOG_" + key.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
}

/**
 * The event as `SSHLOG_<FIELD>` variables (strings only). `tcp_info` is flattened
 * (`SSHLOG_CLIENT_IP`); other nested objects get their parent's name as prefix.
 */
export function eventEnvironment(event: SshlogEvent): Record<string, string> {
  const env: Record<string, string> = {};
  const put = (key: string, value: unknown) => {
    const text = fieldText(value);
    env[envName(key)] = text.length > MAX_ENV_VALUE ? text.slice(0, MAX_ENV_VALUE) : text;
  };
  for (const [key, value] of Object.entries(event as unknown as Fields)) {
    if (!isRecord(value)) {
      put(key, value);
      continue;
    }
    for (const [inner, innerValue] of Object.entries(value)) {
      put(key === "tcp_info" ? inner : `${key}_${inner}`, innerValue);
    }
  }
  return env;
}
