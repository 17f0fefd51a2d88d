// The Clincher web UI. Everything a model or a tool wrote is untrusted: it reaches the page only as text nodes
// (textContent, or the DOM that markdown.js builds), never as HTML; the Content-Security-Policy's Trusted Types rule
// makes any HTML sink throw. The page never holds the token: it signs in once for an HttpOnly session cookie, sends
// the X-Clincher-CSRF header on every call, and opens the WebSocket with a one-time ticket.
"use strict";

const $ = (id) => document.getElementById(id);
const PAGES = ["chat", "sandboxes", "usage", "refusals", "health", "config"];
const state = {
  signedIn: false, agent: "", sessions: [], session: null, socket: null, running: false,
  assistant: null, assistantText: "", renderPending: false, tools: new Map(), events: [], lastSeq: 0,
};

// --- the API ------------------------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-Clincher-CSRF": "1" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new ApiError(response.status, (data.error && data.error.message) || ("HTTP " + response.status));
  }
  return data;
}

function setStatus(text) { $("status").textContent = text; }

function fail(error) {
  if (error instanceof ApiError && error.status === 401 && state.signedIn) {
    signedOut("Your session has ended; sign in again.");
    return;
  }
  setStatus(String((error && error.message) || error));
}

// --- sign-in ------------------------------------------------------------------------------------------------------

/** The code of a one-time sign-in link (#signin=…), removed from the address bar before anything else happens. */
function takeSignInCode() {
  if (!location.hash.startsWith("#signin=")) { return ""; }
  const code = location.hash.slice("#signin=".length);
  history.replaceState(null, "", location.pathname + "#chat");
  return code;
}

async function start() {
  const code = takeSignInCode();
  try {
    await api(code ? "POST" : "GET", "/v1/auth/session", code ? { code } : undefined);
  } catch (error) {
    signedOut(code ? "This sign-in link has expired or was already used: paste the token, or ask for a new link."
      : (error.status === 401 ? "" : error.message));
    return;
  }
  await signedIn();
}

async function signedIn() {
  state.signedIn = true;
  $("pages").hidden = false;
  $("sign-out").hidden = false;
  setStatus("signed in");
  await loadAgents();
  route();
  connect().catch(fail);
}

function signedOut(message) {
  state.signedIn = false;
  if (state.socket) { state.socket.close(); state.socket = null; }
  $("pages").hidden = true;
  $("sign-out").hidden = true;
  PAGES.forEach((page) => { $("page-" + page).hidden = true; });
  $("page-signin").hidden = false;
  $("signin-error").textContent = message || "";
  setStatus("");
  $("token").focus();
}

$("signin-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const token = $("token").value.trim();
  $("token").value = "";
  api("POST", "/v1/auth/session", { token })
    .then(() => { $("page-signin").hidden = true; return signedIn(); })
    .catch((error) => {
      $("signin-error").textContent = error.status === 401 ? "That is not the gateway token." : error.message;
    });
});

$("sign-out").addEventListener("click", () => {
  api("DELETE", "/v1/auth/session").catch(() => {}).then(() => signedOut("You are signed out."));
});

// --- pages --------------------------------------------------------------------------------------------------------

function route() {
  if (!state.signedIn) { return; }
  const wanted = location.hash.slice(1);
  const page = PAGES.includes(wanted) ? wanted : "chat";
  $("page-signin").hidden = true;
  PAGES.forEach((name) => { $("page-" + name).hidden = name !== page; });
  document.querySelectorAll("#pages a").forEach((a) => {
    if (a.dataset.page === page) { a.setAttribute("aria-current", "page"); } else { a.removeAttribute("aria-current"); }
  });
  const loaders = {
    chat: listSessions, sandboxes: loadSandboxes, usage: loadUsage, refusals: loadRefusals, health: loadHealth,
    config: loadConfig,
  };
  loaders[page]().catch(fail);
}

window.addEventListener("hashchange", () => {
  if (location.hash.startsWith("#signin=")) { start().catch(fail); } else { route(); }
});

// --- chat: sessions -----------------------------------------------------------------------------------------------

async function loadAgents() {
  const data = await api("GET", "/v1/agents");
  const select = $("agent");
  select.replaceChildren(...data.agents.map((name) => new Option(name, name)));
  state.agent = data.agents.includes(state.agent) ? state.agent : (data.agents[0] || "");
  select.value = state.agent;
}

$("agent").addEventListener("change", () => {
  state.agent = $("agent").value;
  newSession();
  listSessions().catch(fail);
});

async function listSessions() {
  const data = await api("GET", "/v1/sessions?agent=" + encodeURIComponent(state.agent));
  state.sessions = data.sessions;
  renderSessions();
}

function titleOf(session) {
  return session.title || ("Untitled · " + new Date(session.created_at).toLocaleString());
}

function renderSessions() {
  const query = $("search").value.trim().toLowerCase();
  const items = state.sessions.filter((s) => titleOf(s).toLowerCase().includes(query)).map((session) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = titleOf(session);
    button.title = new Date(session.created_at).toLocaleString();
    if (session.id === state.session) { button.setAttribute("aria-current", "true"); }
    button.addEventListener("click", () => openSession(session.id).catch(fail));
    const item = document.createElement("li");
    item.append(button);
    return item;
  });
  $("sessions").replaceChildren(...items);
}

$("search").addEventListener("input", renderSessions);

function clearTranscript() {
  state.lastSeq = 0;
  state.assistant = null;
  state.tools = new Map();
  state.events = [];
  $("transcript").replaceChildren();
}

function newSession() {
  state.session = null;
  clearTranscript();
  setRunning(false);
  $("session-title").textContent = "New session";
  $("export").disabled = true;
  renderSessions();
  $("message").focus();
}

$("new-session").addEventListener("click", newSession);

async function openSession(id) {
  state.session = id;
  clearTranscript();
  const session = state.sessions.find((s) => s.id === id);
  $("session-title").textContent = session ? titleOf(session) : id;
  $("export").disabled = false;
  renderSessions();
  const transcript = await api("GET", "/v1/sessions/" + encodeURIComponent(id) + "/events");
  transcript.events.forEach(show);
  const busy = Boolean(session && session.busy);
  setRunning(busy);
  if (busy) { follow(id).catch(fail); }
}

/**
 * Follows a run this page did not start (another tab, or before a reload): the WebSocket only carries the runs it
 * started, so the new events are read from the transcript once a second until the run is done or another session
 * is opened.
 */
async function follow(id) {
  while (state.session === id && state.running) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (state.session !== id) { return; }
    const more = await api("GET", "/v1/sessions/" + encodeURIComponent(id) + "/events?after=" + state.lastSeq);
    more.events.forEach(show);
  }
}

// --- chat: the live connection ------------------------------------------------------------------------------------

async function connect() {
  const ticket = await api("POST", "/v1/ws/ticket", {});
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(scheme + location.host + "/v1/ws", ["clincher.v1", ticket.subprotocol]);
    socket.onopen = () => { state.socket = socket; setStatus("signed in · connected"); resolve(socket); };
    socket.onerror = () => reject(new Error("the live connection failed"));
    socket.onclose = () => {
      if (state.socket === socket) { state.socket = null; setStatus(state.signedIn ? "signed in · disconnected" : ""); }
    };
    socket.onmessage = (message) => {
      const event = JSON.parse(message.data);
      if (event.type === "client_error" || event.session === state.session) { show(event); }
    };
  });
}

function setRunning(running) {
  state.running = running;
  $("abort").disabled = !running;
  $("send").disabled = running;
}

function titleFrom(content) {
  const line = content.trim().split("\n")[0];
  return line.length > 60 ? line.slice(0, 59) + "…" : line;
}

async function send() {
  const content = $("message").value;
  if (!content.trim() || state.running) { return; }
  if (!state.socket || state.socket.readyState !== WebSocket.OPEN) { await connect(); }
  if (!state.session) {
    const session = await api("POST", "/v1/sessions", { agent: state.agent, title: titleFrom(content) });
    state.session = session.id;
    $("session-title").textContent = titleOf(session);
    $("export").disabled = false;
    await listSessions();
  }
  state.socket.send(JSON.stringify({ type: "send", session: state.session, content }));
  $("message").value = "";
  setRunning(true);
}

function abort() {
  if (state.socket && state.session && state.running) {
    state.socket.send(JSON.stringify({ type: "abort", session: state.session }));
  }
}

$("compose").addEventListener("submit", (event) => { event.preventDefault(); send().catch(fail); });
$("abort").addEventListener("click", abort);
$("export").addEventListener("click", exportTranscript);

$("message").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send().catch(fail);
  }
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && state.running) { abort(); }
  if (event.altKey && (event.key === "n" || event.key === "N")) { event.preventDefault(); newSession(); }
  if (event.key === "/" && !["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) {
    event.preventDefault();
    $("search").focus();
  }
});

// --- chat: the transcript -----------------------------------------------------------------------------------------

function addItem(kind, ...children) {
  const item = document.createElement("li");
  item.className = kind;
  item.append(...children);
  $("transcript").append(item);
  item.scrollIntoView({ block: "end" });
  return item;
}

function renderAssistant() {
  state.renderPending = false;
  if (state.assistant) { state.assistant.replaceChildren(ClincherMarkdown.render(state.assistantText)); }
}

function scheduleRender() {
  if (!state.renderPending) { state.renderPending = true; setTimeout(renderAssistant, 30); }
}

function assistantText(text) {
  if (!state.assistant) { state.assistant = addItem("assistant"); state.assistantText = ""; }
  state.assistantText += text;
  scheduleRender();
}

function endAssistant(finalText) {
  if (finalText) {
    if (!state.assistant) { state.assistant = addItem("assistant"); }
    state.assistantText = finalText;
  }
  renderAssistant();
  state.assistant = null;
  state.assistantText = "";
}

function pre(text) {
  const node = document.createElement("pre");
  node.textContent = text;
  return node;
}

function toolItem(id, summaryText, kind) {
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  summary.textContent = summaryText;
  details.append(summary);
  addItem(kind, details);
  if (id) { state.tools.set(id, details); }
  return details;
}

function prettyArguments(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch (notJson) { return String(text); }
}

function show(event) {
  if (event.seq !== undefined) {
    if (event.seq <= state.lastSeq) { return; } // already shown (read from the transcript and streamed)
    state.lastSeq = event.seq;
  }
  const data = event.data || {};
  state.events.push(event);
  switch (event.type) {
    case "user_message": endAssistant(); addItem("user", pre(data.content)); break;
    case "assistant_delta": assistantText(data.text || ""); break;
    case "assistant_message": endAssistant(data.content || ""); break;
    case "tool_call": {
      endAssistant();
      toolItem(data.id, "Tool " + data.name, "tool").append(pre(prettyArguments(data.arguments)));
      break;
    }
    case "tool_result": {
      const details = state.tools.get(data.id) || toolItem(data.id, "Tool " + data.name, "tool");
      details.querySelector("summary").textContent += data.error ? " · failed" : " · done";
      const result = pre(data.content + (data.truncated ? "\n[output cut]" : ""));
      result.className = data.error ? "result failed" : "result";
      details.append(result);
      break;
    }
    case "tool_denied": {
      endAssistant();
      const details = toolItem(data.id, "Denied: " + data.name + " (" + data.layer + ")", "tool denied");
      details.append(pre(data.reason));
      break;
    }
    case "summary": addItem("note", "Earlier turns were summarised to fit the context."); break;
    case "error": endAssistant(); addItem("error", "Error: " + (data.message || data.type)); break;
    case "run_interrupted": addItem("error", "The gateway stopped during this run."); break;
    case "done":
      endAssistant();
      addItem("done", data.reason === "completed" ? "Done"
        : "Stopped: " + data.reason + (data.message ? " — " + data.message : ""));
      setRunning(false);
      break;
    case "client_error": addItem("error", event.message); setRunning(false); break;
    default: break;
  }
}

function exportTranscript() {
  const title = $("session-title").textContent;
  const lines = ["# " + title, ""];
  let answer = "";
  const flush = () => { if (answer) { lines.push("**Agent:** " + answer, ""); answer = ""; } };
  for (const event of state.events) {
    const data = event.data || {};
    if (event.type === "user_message") { flush(); lines.push("**You:** " + data.content, ""); }
    if (event.type === "assistant_delta") { answer += data.text || ""; }
    if (event.type === "assistant_message") { answer = data.content || answer; flush(); }
    if (event.type === "tool_call") { lines.push("Tool `" + data.name + "`: `" + data.arguments + "`", ""); }
    if (event.type === "tool_result") { lines.push("```", data.content, "```", ""); }
    if (event.type === "tool_denied") { lines.push("Denied tool `" + data.name + "`: " + data.reason, ""); }
    if (event.type === "done") { flush(); lines.push("_" + data.reason + "_", ""); }
  }
  flush();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([lines.join("\n")], { type: "text/markdown" }));
  link.download = "clincher-" + (state.session || "session") + ".md";
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

// --- control pages ------------------------------------------------------------------------------------------------

function table(headers, rows) {
  const node = document.createElement("table");
  const head = node.createTHead().insertRow();
  headers.forEach((text) => { const th = document.createElement("th"); th.textContent = text; head.append(th); });
  const body = node.createTBody();
  rows.forEach((cells) => {
    const row = body.insertRow();
    cells.forEach((cell) => row.insertCell().append(cell));
  });
  return node;
}

function age(seconds) {
  if (seconds < 120) { return seconds + " s"; }
  if (seconds < 7200) { return Math.round(seconds / 60) + " min"; }
  if (seconds < 172800) { return Math.round(seconds / 3600) + " h"; }
  return Math.round(seconds / 86400) + " d";
}

function paragraph(text) {
  const p = document.createElement("p");
  p.textContent = text;
  return p;
}

async function loadSandboxes() {
  const data = await api("GET", "/v1/control/sandboxes");
  const rows = data.sandboxes.map((s) => {
    const recreate = document.createElement("button");
    recreate.type = "button";
    recreate.textContent = "Recreate";
    recreate.addEventListener("click", () => {
      recreate.disabled = true;
      api("POST", "/v1/control/sandboxes/recreate", { key: s.key }).then(loadSandboxes).catch(fail);
    });
    return [s.key, s.agent, s.state, s.age_seconds === undefined ? "" : age(s.age_seconds),
      s.current ? "current" : "outdated", recreate];
  });
  const parts = [rows.length ? table(["Sandbox", "Agent", "State", "Age", "Settings", ""], rows)
    : paragraph("No sandbox exists now; the first tool call of a session creates one.")];
  data.managers.forEach((limits) => {
    const keys = Object.keys(limits).filter((k) => !["active", "error"].includes(k));
    const heading = document.createElement("h2");
    heading.textContent = "Limits · instance " + limits["sandbox.instance"] + " · " + limits.active + " active";
    parts.push(heading, table(["Setting", "Value"], keys.map((k) => [k, String(limits[k])])));
    if (limits.error) { parts.push(paragraph("Docker: " + limits.error)); }
  });
  $("sandboxes-body").replaceChildren(...parts);
}

async function loadUsage() {
  const data = await api("GET", "/v1/control/usage");
  if (data.status !== 200 || !Array.isArray(data.report)) {
    const reason = data.report && data.report.error ? data.report.error.message : JSON.stringify(data.report);
    $("usage-body").replaceChildren(paragraph("The router answered " + data.status + ": " + reason
      + " (spend reports need the router's master key as the gateway's router key)."));
    return;
  }
  let total = 0;
  const rows = data.report.map((r) => {
    total += Number(r.spend) || 0;
    return [r.model, String(r.api_key || "").slice(0, 12), String(r.requests), String(r.prompt_tokens),
      String(r.completion_tokens), "$" + Number(r.spend).toFixed(4)];
  });
  $("usage-body").replaceChildren(paragraph("Since " + data.since + ": $" + total.toFixed(4) + " in total."),
    rows.length ? table(["Model", "Key", "Requests", "Prompt tokens", "Completion tokens", "Spend"], rows)
      : paragraph("No model calls were logged yet."));
}

async function loadRefusals() {
  const data = await api("GET", "/v1/control/refusals");
  const parts = [];
  data.services.forEach((service) => {
    const heading = document.createElement("h2");
    heading.textContent = service.name;
    parts.push(heading);
    const list = service.body && Array.isArray(service.body.refusals) ? service.body.refusals : null;
    if (service.status !== 200 || !list) {
      parts.push(paragraph(service.status === 401 ? "This proxy keeps its refusals behind its metrics token, which"
        + " the gateway does not hold; read them in its log (decision deny)."
        : service.status === 0 ? (service.detail || "unreachable: " + JSON.stringify(service.body))
          : "HTTP " + service.status));
      return;
    }
    const rows = list.map((r) => [new Date(r.at).toLocaleString(),
      r.host ? r.host + (r.port ? ":" + r.port : "") : ((r.method || "") + " " + (r.path || "")).trim(),
      r.rule || "", r.reason || "", String(r.status || "")]);
    parts.push(rows.length ? table(["When", "Request", "Rule", "Reason", "Status"], rows)
      : paragraph("Nothing refused since it started."));
  });
  $("refusals-body").replaceChildren(...parts);
}

async function loadHealth() {
  const data = await api("GET", "/v1/control/health");
  const rows = [];
  data.services.forEach((service) => {
    const ok = service.status === 200;
    const badge = document.createElement("span");
    badge.className = ok ? "badge ok" : "badge bad";
    const down = service.status === 0 ? (service.detail || "unreachable") : "HTTP " + service.status;
    badge.textContent = ok ? "ready" : down;
    rows.push([service.name, badge, service.url || "", checksText(service.body)]);
  });
  $("health-body").replaceChildren(table(["Service", "Status", "Address", "Checks"], rows));
}

function checksText(body) {
  if (!body || typeof body !== "object") { return String(body || ""); }
  const checks = body.checks || {};
  const parts = Object.keys(checks).map((name) => name + ": " + (checks[name].status || "")
    + (checks[name].detail ? " — " + checks[name].detail : ""));
  return parts.join("\n") || String(body.status || "");
}

async function loadConfig() {
  const data = await api("GET", "/v1/control/config");
  $("config-body").textContent = JSON.stringify(data, null, 2);
}

start().catch(fail);
