// The stage view's page: one socket with a stage link's token, one snapshot, one render
// (views/stage.js). It sends no command; the server would refuse any (read_only). It keeps its
// version and clock exactly as the widget does, so the big screen agrees with every widget.
import * as clock from "./clock.js";
import { renderConnection } from "./connection_status.js";
import { byId } from "./dom.js";
import { meetingFollower } from "./patches.js";
import { followTeams } from "./teams.js";
import { renderStage, tickStage } from "./views/stage.js";

const token = window.location.hash.slice(1);
const view = { version: 0, meeting: null, guide: null };
let socket = null;

function context() {
  const names = new Map(view.meeting.participants.map((p) => [p.id, p.name]));
  return {
    meeting: view.meeting,
    version: view.version,
    guide: view.guide,
    you: { id: null }, // the stage is nobody: nothing on it says "(you)"
    isFacilitator: false,
    serverNow: clock.serverNow,
    nameOf: (id) => (id ? names.get(id) || "Someone who left" : "Someone"),
  };
}

let tickTimer = null;

function scheduleTick(delay) {
  window.clearTimeout(tickTimer);
  if (Number.isFinite(delay)) tickTimer = window.setTimeout(tick, delay + 5);
}

function tick() {
  if (view.meeting) scheduleTick(tickStage(context()));
}

function render() {
  const ctx = context();
  byId("set-name").textContent = ctx.meeting.set_name;
  document.title = `${ctx.meeting.set_name} · Stage · ALS Companion`;
  scheduleTick(renderStage(ctx));
}

// When the last `sync` was asked: one at a time, again after SYNC_RETRY_MS.
const SYNC_RETRY_MS = 2000;
let syncAskedAt = -Infinity;

function requestSync() {
  if (Date.now() - syncAskedAt < SYNC_RETRY_MS) return;
  syncAskedAt = Date.now();
  socket.emit("sync");
}

const following = meetingFollower({
  ready: () => Boolean(view.guide),
  held: () => view,
  show: showMeeting,
  resync: requestSync,
});

function showMeeting(version, meeting) {
  syncAskedAt = -Infinity; // in step again: a later gap may ask at once
  view.version = version;
  view.meeting = meeting;
  clock.noteServerTime(meeting.server_now_ms);
  document.body.dataset.version = String(view.version);
  render();
}

function onWelcome(message) {
  view.guide = message.guide;
  clock.measure(socket, tick);
}

// The link no longer opens the view, or the meeting is gone: say why, and stop.
function closeWith(message) {
  socket.disconnect();
  renderConnection("failed", message.message);
}

function onRefused(error) {
  const refusal = error && error.data;
  if (refusal && refusal.error && refusal.error !== "unavailable") {
    closeWith(refusal);
    return;
  }
  renderConnection(navigator.onLine ? "reconnecting" : "offline");
  if (!socket.active) window.setTimeout(() => socket.connect(), 2000);
}

// The set's next meeting has started: the same link leads there, counting versions afresh.
function reconnect() {
  socket.disconnect();
  Object.assign(view, { version: 0, meeting: null, guide: null });
  following.forget();
  renderConnection("connecting");
  socket.connect();
}

function start() {
  if (!token) {
    renderConnection("failed", "This stage link is incomplete. Open the stage view again from the widget.");
    return;
  }
  // The token travels in the handshake's auth payload, under "stage": it opens nothing else.
  socket = window.io({ auth: { stage: token }, transports: ["websocket", "polling"], tryAllTransports: true });
  socket.on("connect", () => renderConnection("live"));
  socket.on("disconnect", () => renderConnection(navigator.onLine ? "reconnecting" : "offline"));
  socket.on("connect_error", onRefused);
  socket.on("welcome", onWelcome);
  socket.on("snapshot", following.snapshot);
  socket.on("patch", following.patch);
  socket.on("meeting_moved", reconnect);
  socket.on("meeting_deleted", closeWith);
  socket.on("stage_closed", closeWith);
  window.addEventListener("online", () => { if (!socket.connected) socket.connect(); });
  window.addEventListener("offline", () => renderConnection("offline"));
}

// Inside Teams (on the meeting stage), follow its theme; elsewhere nothing of Teams loads.
followTeams();
window.addEventListener("hashchange", () => window.location.reload());
start();
