// The live widget: one socket, one state snapshot, and the render functions in views.js.
import { wireCopyButtons } from "./copy.js";
import { PHASE_LABELS, STAGE_LABELS } from "./phases.js";
import {
  renderActivity, renderBids, renderConsole, renderParticipants, renderPhase, renderRound,
  renderTimers, renderWork,
} from "./views.js";

const token = window.location.hash.slice(1);
const view = {
  version: 0, meeting: null, you: null, links: {}, guide: { phases: {}, stages: {} }, clockOffset: 0,
};
const byId = (id) => document.getElementById(id);
let socket = null;

function announce(text) {
  const announcer = byId("announcer");
  announcer.textContent = "";
  window.setTimeout(() => { announcer.textContent = text; }, 50);
}

function renderConnection(state, text) {
  const element = byId("connection");
  element.dataset.state = state;
  element.textContent = text;
}

function context() {
  const names = new Map(view.meeting.participants.map((p) => [p.id, p.name]));
  const you = view.meeting.participants.find((p) => p.id === view.you.id) || view.you;
  return {
    meeting: view.meeting,
    you,
    guide: view.guide,
    clockOffset: view.clockOffset,
    isFacilitator: you.role === "facilitator" || you.role === "co_facilitator",
    nameOf: (id) => (id ? names.get(id) || "Someone who left" : "Someone"),
  };
}

// What this person should do now, if anything: shown in the banner and announced when it changes.
function yourTurn(ctx) {
  const { meeting, you } = ctx;
  if (meeting.round && meeting.round.current === you.id) return "It's your turn to speak.";
  if (meeting.work && meeting.phase === "work") {
    if (meeting.work.presenter === you.id) return "You are presenting. You decide when you are done.";
    if (meeting.work.questioner === you.id) return "You have the floor: ask your question.";
  }
  return "";
}

function announceChanges(previous, ctx) {
  const { meeting } = ctx;
  const stageOf = (m) => (m && m.work && m.phase === "work" ? m.work.stage : null);
  if (previous && previous.phase !== meeting.phase) {
    announce(`The meeting has moved to ${PHASE_LABELS[meeting.phase]}.`);
  } else if (previous && stageOf(previous) !== stageOf(meeting) && stageOf(meeting)) {
    announce(`Now: ${STAGE_LABELS[stageOf(meeting)]}.`);
  }
  const turn = yourTurn(ctx);
  const banner = byId("your-turn");
  if (turn && turn !== banner.textContent) announce(turn);
  banner.textContent = turn;
  banner.hidden = !turn;
}

function render(previous) {
  const ctx = context();
  byId("set-name").textContent = ctx.meeting.set_name;
  document.title = `${ctx.meeting.set_name} · ALS Companion`;
  for (const region of [renderPhase, renderTimers, renderRound, renderWork, renderBids,
    renderConsole, renderParticipants, renderActivity]) {
    region(ctx);
  }
  byId("invite").hidden = !(ctx.isFacilitator && view.links.invite_url);
  if (view.links.invite_url) byId("invite-url").value = view.links.invite_url;
  announceChanges(previous, ctx);
}

const SYNC_RETRY_MS = 2000;
const ACK_GRACE_MS = 1500;
let syncTimer = null;

function applySnapshot(message) {
  if (message.version < view.version || !view.you) return; // stale, or not yet welcomed
  // Every version is broadcast, so a jump means some were lost on the way: ask for the state.
  const gap = view.meeting !== null && message.version > view.version + 1;
  const previous = view.meeting;
  view.version = message.version;
  view.meeting = message.meeting;
  view.clockOffset = message.meeting.server_now_ms - Date.now();
  document.body.dataset.version = String(view.version);
  render(previous);
  if (gap) requestSync();
}

// Ask the server for a fresh snapshot; while the server cannot reach its store, keep asking.
function requestSync() {
  if (syncTimer !== null || !socket || !socket.connected) return;
  socket.emit("sync", undefined, (answer) => {
    syncTimer = null;
    if (answer && answer.error === "unavailable") {
      storeUnavailable();
    } else if (answer && answer.ok) {
      renderConnection("live", "Live");
    }
  });
  syncTimer = window.setTimeout(() => { syncTimer = null; }, SYNC_RETRY_MS);
}

function storeUnavailable() {
  renderConnection("reconnecting", "Reconnecting…");
  window.setTimeout(requestSync, SYNC_RETRY_MS);
}

function send(command, args) {
  byId("command-error").textContent = "";
  socket.emit(command, args || undefined, (answer) => {
    if (answer && answer.error) byId("command-error").textContent = answer.message;
    if (answer && answer.error === "unavailable") storeUnavailable();
    // Our own change must reach us; if its broadcast went astray, fetch the state instead.
    if (answer && answer.ok) {
      window.setTimeout(() => { if (view.version < answer.version) requestSync(); }, ACK_GRACE_MS);
    }
  });
}

function onClick(event) {
  const button = event.target.closest("[data-command]");
  if (!button || !socket) return;
  const command = button.dataset.command;
  if (command === "end_meeting" && !window.confirm("End the meeting for everyone?")) return;
  if (command === "remove_participant" && !window.confirm("Remove this person from the meeting?")) return;
  send(command, button.dataset.args ? JSON.parse(button.dataset.args) : null);
}

function wireForms() {
  byId("bid-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    send("place_bid", { title: form.title.value.trim(), minutes: Number(form.minutes.value) });
    form.title.value = "";
  });
  byId("go-form").addEventListener("submit", (event) => {
    event.preventDefault();
    send("go_to_phase", { phase: event.target.phase.value });
  });
  document.addEventListener("click", onClick);
}

function start() {
  if (!token) {
    renderConnection("failed", "This link is incomplete. Ask your facilitator for a new one.");
    return;
  }
  // The token travels in the handshake's auth payload, never in the URL of the socket.
  // WebSocket first: a closed tab is noticed at once; long-polling is the fallback for
  // networks that block WebSockets.
  socket = window.io({
    auth: { token },
    transports: ["websocket", "polling"],
    tryAllTransports: true,
  });
  socket.on("connect", () => renderConnection("live", "Live"));
  socket.on("disconnect", () => renderConnection("reconnecting", "Reconnecting…"));
  socket.on("connect_error", (error) => {
    const refusal = error && error.data;
    if (refusal && refusal.error && refusal.error !== "unavailable") {
      renderConnection("failed", refusal.message);
      socket.disconnect();
    } else {
      renderConnection("reconnecting", "Reconnecting…");
      // A refusal (unlike a dropped transport) is not retried by the client itself.
      if (!socket.active) window.setTimeout(() => socket.connect(), 2000);
    }
  });
  socket.on("welcome", (message) => {
    view.you = message.you;
    view.links = message.links || {};
    view.guide = message.guide || view.guide;
  });
  socket.on("snapshot", applySnapshot);
  // Removed, or the meeting's record deleted: say why and stop, as the server now refuses us.
  // Disconnect first: it fires "disconnect" at once, and "Reconnecting…" must not be the last word.
  const closeWith = (message) => {
    socket.disconnect();
    renderConnection("failed", message.message);
  };
  socket.on("removed", closeWith);
  socket.on("meeting_deleted", closeWith);
  window.setInterval(() => { if (view.meeting) renderTimers(context()); }, 1000);
}

wireCopyButtons(byId("copy-status"));
wireForms();
// A different link pasted into the same tab changes only the fragment: start afresh with it.
window.addEventListener("hashchange", () => window.location.reload());
start();
