/** The security headers of every web interface response. */

/**
 * Content Security Policy: scripts only from this server (WebAssembly allowed for the replay
 * player's terminal), no plug-ins, no framing, forms and connections to this origin only.
 * Inline styles are allowed because xterm.js and the player set them; inline scripts never are.
 */
export function contentSecurityPolicy(): string {
  return [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Sets the headers every response carries; `tls` adds Strict-Transport-Security. */
export function applySecurityHeaders(headers: Headers, tls: boolean): Headers {
  headers.set("Content-Security-Policy", contentSecurityPolicy());
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("X-Frame-Options", "DENY");
  // "same-origin", not "no-referrer": with no-referrer, Chromium sends "Origin: null" on form posts.
  headers.set("Referrer-Policy", "same-origin");
  headers.set("Cross-Origin-Opener-Policy", "same-origin");
  headers.set("Cross-Origin-Resource-Policy", "same-origin");
  headers.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  if (!headers.has("Cache-Control")) headers.set("Cache-Control", "no-store");
  if (tls) headers.set("Strict-Transport-Security", "max-age=31536000");
  return headers;
}
