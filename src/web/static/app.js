// sshlog's diagnostic web interface. Plain browser JavaScript, loaded from the daemon only.
// Everything that comes from an SSH user (names, command lines, file names, output) is put in
// the page with textContent or written to a terminal emulator, never parsed as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { me: null, view: null, liveSocket: null, player: null, sessions: [] };

/** A GET of the JSON API; a lost login goes back to the login page. */
async function api(path, init = {}) {
  const headers = { ...(init.headers || {}) };
  if (init.method === "POST") headers["X-CSRF-Token"] = state.me ? state.me.csrf : "";
  const response = await fetch(path, { ...init, headers, credentials: "same-origin" });
  if (response.status === 401) {
    location.href = "/login";
    throw new Error("Login required");
  }
  const body = response.status === 204 ? {} : await response.json();
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

/** A table cell holding `text` as text. */
function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text === undefined || text === null ? "" : String(text);
  if (className) td.className = className;
  return td;
}

function formatTime(ms) {
  return ms ? new Date(ms).toLocaleString() : "";
}

function formatRelative(ms) {
  if (!ms) return "";
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 10) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

function client(tcp) {
  if (!tcp || !tcp.client_ip) return "";
  return tcp.client_ip.includes(":")
    ? `[${tcp.client_ip}]:${tcp.client_port}`
    : `${tcp.client_ip}:${tcp.client_port}`;
}

function bytesToBase64(bytes) {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

function base64ToBytes(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

// --- live sessions -------------------------------------------------------------------------

function renderSessions() {
  const body = $("sessions").tBodies[0];
  body.replaceChildren();
  for (const s of state.sessions) {
    const tr = document.createElement("tr");
    tr.dataset.sessionId = s.session_id;
    tr.append(
      cell(s.username, "user"),
      cell(client(s.tcp_info)),
      cell(s.tty_id >= 0 ? `pts/${s.tty_id}` : "none"),
      cell(formatTime(s.start_time)),
      cell(s.last_command, "command"),
      cell(formatRelative(s.last_activity_time)),
    );
    const actions = document.createElement("td");
    if (s.tty_id >= 0) {
      const view = document.createElement("a");
      view.href = `#/live/${encodeURIComponent(s.session_id)}`;
      view.textContent = "View";
      view.className = "view";
      actions.append(view, " ");
    }
    const kill = document.createElement("button");
    kill.type = "button";
    kill.className = "danger kill";
    kill.textContent = "Kill";
    kill.addEventListener("click", () => killSession(s));
    actions.append(kill);
    tr.append(actions);
    body.append(tr);
  }
  $("session-count").textContent = `(${state.sessions.length})`;
  $("no-sessions").hidden = state.sessions.length > 0;
}

async function refreshSessions() {
  try {
    state.sessions = (await api("/api/sessions")).sessions;
    if (state.view === "sessions") renderSessions();
  } catch (error) {
    $("feed-state").textContent = `error: ${error.message}`;
  }
}

async function killSession(s) {
  if (!confirm(`Kill the session of ${s.username} (${s.session_id})?`)) return;
  try {
    await api(`/api/sessions/${encodeURIComponent(s.session_id)}/kill`, { method: "POST" });
  } catch (error) {
    alert(`Cannot kill the session: ${error.message}`);
  }
  setTimeout(refreshSessions, 500);
}

// --- live view of one session --------------------------------------------------------------

function closeLive() {
  if (state.liveSocket) state.liveSocket.close();
  state.liveSocket = null;
  if (state.terminal) state.terminal.dispose();
  state.terminal = null;
}

function openLive(id, mode) {
  closeLive();
  $("live-title").textContent = id;
  $("live-error").hidden = true;
  $("live-state").textContent = "connecting…";
  const interactiveButton = $("live-interactive");
  interactiveButton.hidden = !(state.me && state.me.injection) || mode === "interactive";
  interactiveButton.onclick = () => openLive(id, "interactive");
  $("live-kill").onclick = () =>
    killSession({ session_id: id, username: $("live-title").dataset.user || "?" });
  const term = new Terminal({ convertEol: false, disableStdin: mode !== "interactive" });
  state.terminal = term;
  term.open($("terminal"));
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const url = `${scheme}//${location.host}/api/sessions/${
    encodeURIComponent(id)
  }/view?mode=${mode}`;
  const socket = new WebSocket(url);
  state.liveSocket = socket;
  socket.onmessage = (message) => {
    const m = JSON.parse(message.data);
    if (m.type === "screen") {
      term.resize(m.columns, m.rows);
      term.write(m.screen);
      $("live-title").textContent = `${m.session.username} — ${m.session.session_id}`;
      $("live-title").dataset.user = m.session.username;
      $("live-state").textContent = mode === "interactive"
        ? "live — your keystrokes go to the session"
        : "live — read-only";
    } else if (m.type === "output") {
      term.write(base64ToBytes(m.data));
    } else if (m.type === "resize") {
      term.resize(m.columns, m.rows);
    } else if (m.type === "ended") {
      $("live-state").textContent = "the session ended";
    } else if (m.type === "error") {
      $("live-error").textContent = m.message;
      $("live-error").hidden = false;
    }
  };
  socket.onclose = () => {
    if (state.liveSocket === socket && !/ended/.test($("live-state").textContent)) {
      $("live-state").textContent = "disconnected";
    }
  };
  if (mode === "interactive") {
    term.onData((data) => {
      if (socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({
          type: "input",
          data: bytesToBase64(new TextEncoder().encode(data)),
        }));
      }
    });
  }
}

// --- event feed ------------------------------------------------------------------------------

const MAX_FEED_ROWS = 500;
const SESSION_CHANGES = new Set([
  "connection_established",
  "connection_close",
  "command_start",
  "command_finish",
]);

function eventDetails(e) {
  switch (e.event_type) {
    case "connection_established":
    case "connection_auth_failed":
      return `from ${client(e.tcp_info)}${e.tty_id >= 0 ? ` tty ${e.tty_id}` : ""}`;
    case "command_start":
      return e.args || e.filename || "";
    case "command_finish":
      return `${e.args || e.filename || ""} → exit ${e.exit_code}` +
        (e.signal ? ` (${e.signal})` : "");
    case "file_upload":
    case "file_download":
      return e.target_path;
    case "session_attach":
    case "session_detach":
      return `${e.admin_user} (${e.mode}${e.via ? `, ${e.via}` : ""})`;
    case "capture_gap":
      return `${e.reason}: ${e.lost_events} events, ${e.lost_bytes} bytes lost`;
    case "terminal_resize":
      return `${e.columns}×${e.rows}`;
    default:
      return "";
  }
}

function addEvent(e) {
  const tr = document.createElement("tr");
  tr.dataset.eventType = e.event_type;
  tr.append(
    cell(new Date(e.timestamp).toLocaleTimeString()),
    cell(e.event_type),
    cell(e.username),
    cell(e.session_id),
    cell(eventDetails(e), "details"),
  );
  const body = $("events").tBodies[0];
  body.prepend(tr);
  while (body.rows.length > MAX_FEED_ROWS) body.deleteRow(body.rows.length - 1);
}

function connectFeed() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}/api/events`);
  socket.onopen = () => {
    $("feed-state").textContent = "live";
    refreshSessions();
  };
  socket.onmessage = (message) => {
    const { event } = JSON.parse(message.data);
    addEvent(event);
    if (SESSION_CHANGES.has(event.event_type)) refreshSessions();
  };
  socket.onclose = () => {
    $("feed-state").textContent = "reconnecting…";
    setTimeout(connectFeed, 2000);
  };
}

// --- recordings ------------------------------------------------------------------------------

function formatDuration(ms) {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function loadRecordings() {
  const query = new URLSearchParams();
  if ($("recordings-grep").value) query.set("grep", $("recordings-grep").value);
  if ($("recordings-user").value) query.set("user", $("recordings-user").value);
  const { recordings } = await api(`/api/recordings?${query}`);
  const body = $("recordings").tBodies[0];
  body.replaceChildren();
  for (const r of recordings.slice().reverse()) {
    const tr = document.createElement("tr");
    tr.dataset.sessionId = r.session_id;
    tr.append(
      cell(r.user, "user"),
      cell(r.client),
      cell(formatTime(r.start_time)),
      cell(formatDuration(r.duration_ms) + (r.recording ? " (open)" : "")),
      cell(formatSize(r.size_bytes)),
    );
    const actions = document.createElement("td");
    const replay = document.createElement("a");
    replay.href = `#/replay/${encodeURIComponent(r.session_id)}`;
    replay.textContent = "Replay";
    replay.className = "replay";
    actions.append(replay);
    tr.append(actions);
    body.append(tr);
  }
  $("no-recordings").hidden = recordings.length > 0;
}

function openReplay(id) {
  $("replay-title").textContent = id;
  const element = $("player");
  element.replaceChildren();
  state.player = AsciinemaPlayer.create(
    `/api/recordings/${encodeURIComponent(id)}.cast`,
    element,
    { autoPlay: true, idleTimeLimit: 2, fit: "width" },
  );
}

// --- navigation ------------------------------------------------------------------------------

function show(view) {
  state.view = view;
  for (const section of document.querySelectorAll("main > section")) {
    section.hidden = section.id !== `view-${view}`;
  }
  for (const link of document.querySelectorAll("nav a")) {
    link.classList.toggle("active", link.id === `nav-${view}`);
  }
}

function route() {
  const [, view, arg] = location.hash.split("/");
  if (view !== "live") closeLive();
  if (view !== "replay" && state.player) {
    state.player.dispose();
    state.player = null;
  }
  if (view === "live" && arg) {
    show("live");
    openLive(decodeURIComponent(arg), "readonly");
  } else if (view === "events") {
    show("events");
  } else if (view === "recordings") {
    show("recordings");
    loadRecordings().catch((error) => alert(error.message));
  } else if (view === "replay" && arg) {
    show("replay");
    openReplay(decodeURIComponent(arg));
  } else {
    show("sessions");
    renderSessions();
  }
}

async function main() {
  state.me = await api("/api/me");
  $("who").textContent = state.me.user;
  $("logout").addEventListener("click", async () => {
    await api("/api/logout", { method: "POST" });
    location.href = "/login";
  });
  $("recordings-search").addEventListener("submit", (event) => {
    event.preventDefault();
    loadRecordings().catch((error) => alert(error.message));
  });
  addEventListener("hashchange", route);
  route();
  connectFeed();
  await refreshSessions();
  // Keeps "last activity" fresh between events.
  setInterval(refreshSessions, 3000);
}

addEventListener("DOMContentLoaded", () => {
  main().catch((error) => {
    $("feed-state").textContent = `error: ${error.message}`;
  });
});
