// The live widget: one socket, one state snapshot, and one render function per region (views/).
import { announce, announceChanges } from "./announce.js";
import * as clock from "./clock.js";
import { wireCopyButtons } from "./copy.js";
import { isFacilitation } from "./derive.js";
import { forget, remember } from "./devices.js";
import { renderConnection } from "./connection_status.js";
import { byId } from "./dom.js";
import { meetingFollower } from "./patches.js";
import { renderShortcuts, wireShortcuts } from "./shortcuts.js";
import { renderConsole } from "./views/console.js";
import { contractLines, renderContract } from "./views/contract.js";
import { renderLearnings } from "./views/learnings.js";
import { announceLobby, renderLobby } from "./views/lobby.js";
import { renderNextMeeting, wireNextMeeting } from "./views/next_meeting.js";
import { renderPhase, renderSpeakers, renderTimers, tickTimers } from "./views/now.js";
import { renderPastMeetings, wirePastMeetings } from "./views/past_meetings.js";
import { renderActivity, renderExpected, renderParticipants } from "./views/people.js";
import { wireInviteCard } from "./views/qr.js";
import { renderBids, renderRound, renderWork } from "./views/queues.js";
import { renderReports, reportCommand } from "./views/reports.js";
import {
  noteSignalSent, renderSignals, signalsHiddenFor, tellSignalStatus, tickSignals, whyNotSendable,
  wireSignalChoices,
} from "./views/signals.js";
import { renderRecordCard } from "./views/record_download.js";
import { renderStageCard } from "./views/stage_card.js";
import { renderSummary } from "./views/summary.js";
import { renderPlacement, renderTabs, wireTabs } from "./views/tabs.js";
import { followTeams } from "./teams.js";
import {
  renderPlaces, renderPresenterTools, renderQuestionPrompts, renderYourActions,
} from "./views/you.js";
import { wireYourData } from "./views/yourdata.js";

const token = window.location.hash.slice(1);
// `learnings` are this person's own, from the server's private message; `privateVersion` is the
// meeting version that message was sent at, so an older one arriving late is ignored. `roster` is
// the set's roster as facilitators see it (the lobby), versioned apart from the meeting.
const view = {
  version: 0, meeting: null, you: null, links: {}, guide: null, setId: null, learnings: [], privateVersion: 0,
  roster: null,
};
let socket = null;

function context() {
  const names = new Map(view.meeting.participants.map((p) => [p.id, p.name]));
  const you = view.meeting.participants.find((p) => p.id === view.you.id) || view.you;
  return {
    meeting: view.meeting,
    version: view.version,
    setId: view.setId,
    token,
    you,
    guide: view.guide,
    learnings: view.learnings,
    roster: view.roster,
    links: view.links,
    serverNow: clock.serverNow,
    isFacilitator: isFacilitation(you.role),
    signalsHidden: signalsHiddenFor(view.meeting, you.id),
    nameOf: (id) => (id ? names.get(id) || "Someone who left" : "Someone"),
  };
}

const REGIONS = [
  renderPhase, renderSpeakers, renderLobby, renderContract, renderPlaces, renderYourActions, renderPresenterTools,
  renderLearnings, renderQuestionPrompts, renderRound, renderReports, renderWork, renderSummary, renderBids,
  renderConsole, renderParticipants, renderExpected, renderActivity, renderStageCard, renderRecordCard, renderTabs,
  renderPlacement, renderShortcuts, renderPastMeetings, renderNextMeeting,
];

function render(previous) {
  const ctx = context();
  byId("set-name").textContent = ctx.meeting.set_name;
  document.title = `${ctx.meeting.set_name} · ALS Companion`;
  for (const region of REGIONS) region(ctx);
  byId("invite").hidden = !(ctx.isFacilitator && view.links.invite_url);
  if (view.links.invite_url) byId("invite-url").value = view.links.invite_url;
  announceChanges(previous, ctx);
  scheduleTick(Math.min(renderTimers(ctx), renderSignals(ctx)));
}

// Draw the meeting as it is again, without news: after a choice kept on this device, or to put a
// control the person changed back to what the meeting holds.
function redraw() {
  if (view.meeting) render(view.meeting);
}

// Countdowns and fading signal counts redraw exactly when what they show changes, not on a fixed
// beat, so every widget turns over the same second at the same moment.
let tickTimer = null;

function scheduleTick(delay) {
  window.clearTimeout(tickTimer);
  // No margin added: a countdown asks for its redraw a little ahead itself (views/now.js), and
  // one that runs a millisecond too soon only asks again.
  if (Number.isFinite(delay)) tickTimer = window.setTimeout(tick, delay);
}

function tick() {
  if (!view.meeting) return;
  const ctx = context();
  scheduleTick(Math.min(tickTimers(ctx), tickSignals(ctx)));
}

const SYNC_RETRY_MS = 2000;
const ACK_GRACE_MS = 1500;
let syncTimer = null;

// Snapshots and patches, followed as patches.js says; what comes before the welcome is held back.
const following = meetingFollower({
  ready: () => Boolean(view.you),
  held: () => view,
  show: showMeeting,
  resync: requestSync,
});

function showMeeting(version, meeting) {
  const previous = view.meeting;
  view.version = version;
  view.meeting = meeting;
  clock.noteServerTime(meeting.server_now_ms);
  document.body.dataset.version = String(view.version);
  // Opened after it ended, this widget only looks at the meeting: reopened, it joins it afresh.
  if (view.looking && meeting.phase !== "closed") {
    reconnect();
    return;
  }
  render(previous);
}

// Ask the server for a fresh snapshot; while the server cannot reach its store, keep asking.
function requestSync() {
  if (syncTimer !== null || !socket || !socket.connected) return;
  socket.emit("sync", undefined, (answer) => {
    syncTimer = null;
    if (answer && answer.error === "unavailable") {
      storeUnavailable();
    } else if (answer && answer.ok) {
      renderConnection("live");
    }
  });
  syncTimer = window.setTimeout(() => { syncTimer = null; }, SYNC_RETRY_MS);
}

function storeUnavailable() {
  renderConnection("reconnecting");
  window.setTimeout(requestSync, SYNC_RETRY_MS);
}

// Signal commands answer in the signals card, beside the control that sent them.
const SIGNAL_COMMANDS = new Set(["send_signal", "switch_signal", "clear_signals", "set_signal_window"]);
// The lobby's commands change the set's roster alone: their answers carry the roster's version.
const LOBBY_COMMANDS = new Set(["admit", "decline", "admit_all", "decline_all", "set_admission"]);

// Commands whose success is said beside the control that sent it: [status element, words].
const CONFIRMED = {
  report_back: ["report-status", "Your report is saved. Everyone in the set can see it."],
  add_learning: ["learning-status", "Added. Only you can see it."],
};

function send(command, args) {
  byId("command-error").textContent = "";
  for (const [statusId] of Object.values(CONFIRMED)) byId(statusId).textContent = "";
  tellSignalStatus("");
  // The Socket.IO client would queue it and send it on reconnecting, perhaps long after the
  // moment has passed: a command is never sent behind the person's back.
  if (!socket.connected) {
    byId("command-error").textContent = "Not sent: the widget is not connected. Try again once it shows Live.";
    redraw();
    return;
  }
  socket.emit(command, args || undefined, (answer) => {
    if (answer && answer.error) refused(command, answer);
    if (answer && answer.ok) {
      if (command === "send_signal") signalSent(args.kind, answer.version);
      if (CONFIRMED[command]) byId(CONFIRMED[command][0]).textContent = CONFIRMED[command][1];
      // Our own change must reach us; if its broadcast went astray, fetch the state instead.
      const reached = () => (LOBBY_COMMANDS.has(command) ? (view.roster ? view.roster.version : 0) : view.version);
      window.setTimeout(() => { if (reached() < answer.version) requestSync(); }, ACK_GRACE_MS);
    }
  });
}

function refused(command, answer) {
  if (SIGNAL_COMMANDS.has(command)) tellSignalStatus(answer.message);
  else byId("command-error").textContent = answer.message;
  if (answer.error === "unavailable") storeUnavailable();
  redraw(); // a box ticked for a refused switch goes back
}

function signalSent(kind, version) {
  noteSignalSent(context(), kind, version);
  tellSignalStatus("Sent, anonymously.");
  redraw();
}

const CONFIRM = {
  end_meeting: "End the meeting for everyone?",
  remove_participant: "Remove this person from the set? Their link stops working at once, and only a facilitator can let them back in.",
  hand_over: "Hand the lead to this person? You will become a member.",
};

// A checkbox's command says whether the box is now ticked: the click has already changed it.
function argsOf(control) {
  const args = control.dataset.args ? JSON.parse(control.dataset.args) : null;
  return control.type === "checkbox" ? { ...args, on: control.checked } : args;
}

function onClick(event) {
  const control = event.target.closest("[data-command]");
  if (!control || !socket) return;
  const command = control.dataset.command;
  const args = argsOf(control);
  // A signal that is off, or of yours that still counts, is not sent: the person is told why.
  const held = command === "send_signal" && view.meeting ? whyNotSendable(context(), args.kind) : "";
  if (held) {
    byId("command-error").textContent = "";
    tellSignalStatus(held);
    return;
  }
  if (CONFIRM[command] && !window.confirm(CONFIRM[command])) return;
  send(command, args);
}

// Each form sends one command built from its fields.
const FORMS = {
  "bid-form": (form) => ["place_bid", {
    title: form.title.value.trim(), minutes: Number(form.minutes.value), share_title: form.share_title.checked,
  }],
  "action-form": (form) => ["add_action", { text: form.text.value.trim() }],
  "go-form": (form) => ["go_to_phase", form.phase.value === "work" && form.bid_id.value
    ? { phase: "work", bid_id: form.bid_id.value } : { phase: form.phase.value }],
  "timer-form": (form) => ["start_timer", { timer: form.timer.value, seconds: Math.round(Number(form.minutes.value) * 60) }],
  "signal-window-form": (form) => ["set_signal_window", { seconds: Number(form.seconds.value) }],
  "contract-form": (form) => ["set_contract", { items: contractLines(form.items.value) }],
  "learning-form": (form) => ["add_learning", { text: form.text.value.trim() }],
};
const CLEARED_AFTER_SENDING = new Set(["bid-form", "action-form", "learning-form"]);

function wireForms() {
  for (const [id, build] of Object.entries(FORMS)) {
    byId(id).addEventListener("submit", (event) => {
      event.preventDefault();
      if (!socket) return;
      send(...build(event.target));
      if (CLEARED_AFTER_SENDING.has(id)) event.target.querySelector("input:not([type=checkbox])").value = "";
    });
  }
  // Forms drawn from the snapshot (one per action to report on) are caught as they bubble up.
  document.addEventListener("submit", (event) => {
    if (!event.target.matches(".report-form")) return;
    event.preventDefault();
    if (socket) send(...reportCommand(event.target));
  });
  document.addEventListener("click", onClick);
}

function onWelcome(message) {
  view.you = message.you;
  view.links = message.links || {};
  view.roster = null; // a facilitator's comes next; anyone else's stays empty
  view.guide = message.guide;
  view.setId = message.set_id;
  view.looking = Boolean(message.looking);
  remember({ set_id: message.set_id, token, name: message.you.name });
  clock.measure(socket, () => view.meeting && tick());
}

// The roster as facilitators see it: the lobby card follows it, and a newcomer is announced.
function onRoster(message) {
  if (view.roster && message.version < view.roster.version) return;
  const previous = view.roster;
  view.roster = message;
  if (previous) announceLobby(previous, message);
  redraw();
}

// Waiting for a facilitator: nothing of the set is shown (the server sends nothing of it), only
// this person's own name, until they are let in or turned away.
function showWaiting(message) {
  document.body.dataset.state = "waiting";
  byId("set-name").textContent = "Waiting to join";
  document.querySelector(".columns").hidden = true;
  byId("waiting-name").textContent = `You asked to join as ${message.you.name}.`;
  byId("waiting-message").textContent = message.message;
  const card = byId("waiting-card");
  const first = card.hidden;
  card.hidden = false;
  renderConnection("waiting", "Waiting for the facilitator");
  if (first) announce(message.message);
}

function onWaiting(message) {
  view.setId = message.set_id;
  view.looking = Boolean(message.looking);
  remember({ set_id: message.set_id, token, name: message.you.name });
  showWaiting(message);
}

// Let in: the same link now opens the meeting. Connect afresh, as on first opening.
function onAdmitted(message) {
  announce(message.message);
  byId("waiting-card").hidden = true;
  document.querySelector(".columns").hidden = false;
  delete document.body.dataset.state;
  reconnect();
}

function onDeclined(message) {
  socket.disconnect();
  byId("waiting-heading").textContent = "You were not let in";
  byId("waiting-name").textContent = "";
  byId("waiting-message").textContent = message.message;
  renderConnection("failed", message.message);
  announce(message.message);
}

function onPrivate(message) {
  if (message.version < view.privateVersion) return;
  view.privateVersion = message.version;
  view.learnings = message.learnings;
  redraw();
}

// Their data is gone from the server, so is this device's link to it; the server would refuse it.
function dataDeleted() {
  if (view.setId) forget(view.setId);
  socket.disconnect();
  renderConnection("failed", "Your data has been deleted. This link no longer works.");
}

function watchNetwork() {
  window.addEventListener("offline", () => renderConnection("offline"));
  window.addEventListener("online", () => {
    renderConnection("reconnecting");
    if (socket && !socket.connected) socket.connect();
  });
}

function start() {
  if (!token) {
    renderConnection("failed", "This link is incomplete. Ask your facilitator for a new one.");
    return;
  }
  // The token travels in the handshake's auth payload, never in the URL of the socket.
  // WebSocket first: a closed tab is noticed at once; long-polling is the fallback for
  // networks that block WebSockets.
  socket = window.io({ auth: { token }, transports: ["websocket", "polling"], tryAllTransports: true });
  socket.on("connect", () => renderConnection("live"));
  socket.on("disconnect", () => renderConnection(navigator.onLine ? "reconnecting" : "offline"));
  socket.on("connect_error", (error) => {
    const refusal = error && error.data;
    if (refusal && refusal.error && refusal.error !== "unavailable") {
      renderConnection("failed", refusal.message);
      socket.disconnect();
    } else {
      renderConnection(navigator.onLine ? "reconnecting" : "offline");
      // A refusal (unlike a dropped transport) is not retried by the client itself.
      if (!socket.active) window.setTimeout(() => socket.connect(), 2000);
    }
  });
  socket.on("welcome", onWelcome);
  socket.on("snapshot", following.snapshot);
  socket.on("patch", following.patch);
  socket.on("private", onPrivate);
  socket.on("roster", onRoster);
  socket.on("waiting", onWaiting);
  socket.on("admitted", onAdmitted);
  socket.on("declined", onDeclined);
  // A facilitator replaced the invite link, or this person's role changed: the card shows what
  // they may hold now (nothing, once they no longer facilitate).
  socket.on("links", (message) => {
    view.links = message.links || {};
    redraw();
  });
  // Removed, or the meeting's record deleted: say why and stop, as the server now refuses us.
  // Disconnect first: it fires "disconnect" at once, and "Reconnecting…" must not be the last word.
  const closeWith = (message) => {
    socket.disconnect();
    renderConnection("failed", message.message);
  };
  // The link stays on this device: asking to join again from it, a removed person is shown to
  // the facilitators as removed before.
  socket.on("removed", closeWith);
  socket.on("meeting_deleted", closeWith);
  socket.on("meeting_moved", moveToNextMeeting);
}

// The set's next meeting has started. The same link now leads there: connect afresh, and the
// server welcomes us into it as on first opening. Its versions count from the start again.
function moveToNextMeeting(message) {
  announce(message.message);
  reconnect();
}

function reconnect() {
  socket.disconnect();
  Object.assign(view, { version: 0, meeting: null, you: null, learnings: [], privateVersion: 0, roster: null });
  following.forget();
  renderConnection("connecting");
  socket.connect();
}

wireTabs();
wireCopyButtons(byId("copy-status"));
wireForms();
wireSignalChoices(redraw);
wireShortcuts(() => (view.meeting ? context() : null));
wireYourData(token, dataDeleted);
wireNextMeeting();
wirePastMeetings();
wireInviteCard(token, () => view.setId);
watchNetwork();
// Inside Teams, follow its theme, and write dates in its locale once it has said which.
followTeams().then((teams) => { if (teams) redraw(); });
// A different link pasted into the same tab changes only the fragment: start afresh with it.
window.addEventListener("hashchange", () => window.location.reload());
start();
