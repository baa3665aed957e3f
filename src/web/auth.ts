/**
 * Who may use the web interface: one user name and password (SSHLOG_WEB_USER/SSHLOG_WEB_PASS),
 * compared in constant time; logins become random session tokens held in an HttpOnly,
 * SameSite=Strict cookie; each session has its own CSRF token for state-changing requests.
 * Failed logins are slowed down and, past a limit, refused per client address for a while.
 */
import { timingSafeEqual } from "node:crypto";

/** The cookie that carries a login session. */
export const SESSION_COOKIE = "sshlog_session";
/** A login session lasts this long, whatever it does. */
export const SESSION_TTL_MS = 12 * 3600_000;
/** At most this many login sessions at once; the oldest goes first. */
const MAX_SESSIONS = 256;
/** Failed logins from one address within FAILURE_WINDOW_MS before it is locked out. */
const MAX_FAILURES = 10;
const FAILURE_WINDOW_MS = 10 * 60_000;

/** A logged-in browser. */
export interface LoginSession {
  user: string;
  /** Sent back in the X-CSRF-Token header of every state-changing request. */
  csrf: string;
  expiresMs: number;
}

/** What a login attempt gives. */
export type LoginResult =
  | { ok: true; token: string; session: LoginSession }
  | { ok: false; reason: "wrong" | "locked" };

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function digest(text: string): Promise<Uint8Array> {
  const data = new TextEncoder().encode(text);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
}

/** True when both strings are equal; time does not depend on where they differ, or their length. */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  return timingSafeEqual(await digest(a), await digest(b));
}

/** The web interface's credentials and login sessions. */
export class WebAuth {
  readonly #user: string;
  readonly #password: string;
  readonly #now: () => number;
  #sessions = new Map<string, LoginSession>();
  #failures = new Map<string, { count: number; firstMs: number }>();

  /** Throws when the password is empty: the interface is never served without one. */
  constructor(user: string, password: string, now: () => number = Date.now) {
    if (password === "") throw new TypeError("The web interface needs a password");
    if (user === "") throw new TypeError("The web interface needs a user name");
    this.#user = user;
    this.#password = password;
    this.#now = now;
  }

  /** Checks credentials from `address`, counting failures per address for the lock-out. */
  async check(user: string, password: string, address: string): Promise<"ok" | "wrong" | "locked"> {
    const now = this.#now();
    const failures = this.#failures.get(address);
    if (failures && now - failures.firstMs > FAILURE_WINDOW_MS) this.#failures.delete(address);
    const locked = (this.#failures.get(address)?.count ?? 0) >= MAX_FAILURES;
    // Both comparisons always run, so that the time says nothing about which one failed.
    const userOk = await constantTimeEqual(user, this.#user);
    const passwordOk = await constantTimeEqual(password, this.#password);
    if (locked) return "locked";
    if (!userOk || !passwordOk) {
      const f = this.#failures.get(address) ?? { count: 0, firstMs: now };
      f.count++;
      this.#failures.set(address, f);
      if (this.#failures.size > 10_000) this.#failures.delete(this.#failures.keys().next().value!);
      return "wrong";
    }
    this.#failures.delete(address);
    return "ok";
  }

  /** Checks credentials from `address`; on success opens a login session. */
  async login(user: string, password: string, address: string): Promise<LoginResult> {
    const verdict = await this.check(user, password, address);
    if (verdict !== "ok") return { ok: false, reason: verdict };
    const token = randomToken();
    const session = {
      user: this.#user,
      csrf: randomToken(),
      expiresMs: this.#now() + SESSION_TTL_MS,
    };
    this.#sessions.set(token, session);
    if (this.#sessions.size > MAX_SESSIONS) {
      this.#sessions.delete(this.#sessions.keys().next().value!);
    }
    return { ok: true, token, session };
  }

  /** The login session of a cookie token, or undefined when unknown or expired. */
  session(token: string | undefined): LoginSession | undefined {
    if (!token) return undefined;
    const session = this.#sessions.get(token);
    if (!session) return undefined;
    if (this.#now() >= session.expiresMs) {
      this.#sessions.delete(token);
      return undefined;
    }
    return session;
  }

  /** Ends a login session. */
  logout(token: string | undefined): void {
    if (token) this.#sessions.delete(token);
  }
}

/** User and password of an `Authorization: Basic` header, or undefined. */
export function basicCredentials(
  header: string | null,
): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]{1,1024})$/i.exec(header ?? "");
  if (!match) return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(atob(match[1]!), (c) => c.charCodeAt(0)),
    );
  } catch {
    return undefined;
  }
  const colon = text.indexOf(":");
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** The value of cookie `name` in a Cookie header. */
export function cookieValue(header: string | null, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
