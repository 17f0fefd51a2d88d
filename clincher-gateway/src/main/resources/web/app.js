// The Clincher web chat. Everything the model or a tool wrote is untrusted: it is only ever put into the page as
// text (textContent), never as HTML. The token stays in memory; the WebSocket authenticates with a one-time ticket.
"use strict";

const state = { token: "", agent: "main", session: "", socket: null, assistant: null };
const $ = (id) => document.getElementById(id);

function api(method, path, body) {
  return fetch(path, {
    method,
    headers: { "Authorization": "Bearer " + state.token, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(async (response) => {
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error((data.error && data.error.message) || ("HTTP " + response.status));
    }
    return data;
  });
}

function line(kind, text) {
  const item = document.createElement("li");
  item.className = kind;
  item.textContent = text;
  $("transcript").appendChild(item);
  item.scrollIntoView({ block: "end" });
  return item;
}

function show(event) {
  const data = event.data || {};
  switch (event.type) {
    case "user_message": state.assistant = null; line("user", data.content); break;
    case "assistant_delta":
      if (!state.assistant) { state.assistant = line("assistant", ""); }
      state.assistant.textContent += data.text;
      break;
    case "assistant_message": state.assistant = null; break;
    case "tool_call": line("tool", "→ " + data.name + " " + data.arguments); break;
    case "tool_result": line("tool", "← " + data.name + (data.error ? " (error)" : "") + ": " + data.content); break;
    case "tool_denied": line("tool_denied", "✕ " + data.name + ": " + data.reason); break;
    case "error": line("error", "error: " + data.message); break;
    case "run_interrupted": line("error", "the run was interrupted"); break;
    case "done":
      state.assistant = null;
      line("done", "— " + data.reason + (data.message ? ": " + data.message : ""));
      $("abort").disabled = true;
      break;
    case "client_error": line("error", event.message); break;
    default: break;
  }
}

async function openSession(id) {
  state.session = id;
  $("transcript").replaceChildren();
  for (const item of $("sessions").children) { item.classList.toggle("current", item.dataset.id === id); }
  const transcript = await api("GET", "/v1/sessions/" + encodeURIComponent(id) + "/events");
  transcript.events.forEach(show);
  $("message").disabled = false;
  $("send").disabled = false;
}

async function listSessions() {
  const list = await api("GET", "/v1/sessions?agent=" + encodeURIComponent(state.agent));
  $("sessions").replaceChildren();
  for (const session of list.sessions) {
    const item = document.createElement("li");
    item.dataset.id = session.id;
    item.textContent = session.title || session.id;
    item.addEventListener("click", () => openSession(session.id).catch(fail));
    $("sessions").appendChild(item);
  }
}

async function connect() {
  const ticket = await api("POST", "/v1/ws/ticket", {});
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const socket = new WebSocket(scheme + location.host + "/v1/ws", ["clincher.v1", ticket.subprotocol]);
  socket.onmessage = (message) => {
    const event = JSON.parse(message.data);
    if (!event.session || event.session === state.session) { show(event); }
  };
  socket.onclose = () => { $("status").textContent = "disconnected"; state.socket = null; };
  socket.onopen = () => { $("status").textContent = "connected"; };
  state.socket = socket;
}

function fail(error) {
  $("status").textContent = String(error.message || error);
}

$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  state.token = $("token").value;
  state.agent = $("agent").value;
  $("token").value = "";
  Promise.all([listSessions(), connect()]).then(() => { $("new-session").disabled = false; }).catch(fail);
});

$("new-session").addEventListener("click", () => {
  api("POST", "/v1/sessions", { agent: state.agent, title: new Date().toISOString() })
    .then((session) => listSessions().then(() => openSession(session.id)))
    .catch(fail);
});

$("compose").addEventListener("submit", (event) => {
  event.preventDefault();
  const content = $("message").value;
  if (!content.trim() || !state.socket) { return; }
  state.socket.send(JSON.stringify({ type: "send", session: state.session, content }));
  $("message").value = "";
  $("abort").disabled = false;
});

$("abort").addEventListener("click", () => {
  if (state.socket) { state.socket.send(JSON.stringify({ type: "abort", session: state.session })); }
});
