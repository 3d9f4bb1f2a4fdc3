// One render function per region of the widget, each driven only by the snapshot and who you are.
import { describe } from "./activity.js";
import { deleteWithToken } from "./api.js";
import { commandButton, el, fill, show } from "./dom.js";
import { PHASE_LABELS, ROLE_LABELS, STAGE_LABELS, TIMER_LABELS } from "./phases.js";

const OUTCOME_LABELS = { done: "spoke", passed: "passed", skipped: "skipped" };
const BID_LABELS = {
  pending: "waiting", accepted: "accepted", declined: "declined", working: "working now", done: "done",
};

export function renderPhase(ctx) {
  const { meeting, guide } = ctx;
  document.getElementById("phase-name").textContent = PHASE_LABELS[meeting.phase] || meeting.phase;
  const stage = meeting.phase === "work" && meeting.work ? meeting.work.stage : null;
  show("stage-name", Boolean(stage));
  document.getElementById("stage-name").textContent = stage ? STAGE_LABELS[stage] : "";
  const text = stage ? guide.stages[stage] : guide.phases[meeting.phase];
  document.getElementById("phase-guidance").textContent = text || "";
}

export function formatRemaining(ms) {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, "0")}`;
}

export function renderTimers(ctx) {
  const now = Date.now() + ctx.clockOffset;
  const items = Object.entries(ctx.meeting.timers).map(([name, timer]) => {
    const left = timer.deadline_ms === null ? timer.remaining_ms : timer.deadline_ms - now;
    const state = timer.deadline_ms === null ? " (paused)" : "";
    const text = `${TIMER_LABELS[name] || name}: ${formatRemaining(left)}${state}`;
    return el("li", { text, className: left <= 0 ? "timer over" : "timer" });
  });
  fill("timers", items);
}

function personItem(ctx, id, detail, actions = []) {
  const name = ctx.nameOf(id) + (id === ctx.you.id ? " (you)" : "");
  return el("li", { className: "person" }, [
    el("span", { text: name, className: "person-name" }),
    el("span", { text: detail, className: "person-detail" }),
    ...(actions.length ? [el("span", { className: "row-actions" }, actions)] : []),
  ]);
}

export function renderRound(ctx) {
  const round = ctx.meeting.round;
  show("round-card", Boolean(round));
  if (!round) return;
  const items = round.speaking_order.map((id) => {
    const outcome = round.outcomes[id];
    const detail = id === round.current ? "speaking now" : OUTCOME_LABELS[outcome] || "waiting";
    const actions = ctx.isFacilitator && !outcome
      ? [commandButton("Skip", "skip_speaker", { participant_id: id }, "small secondary"),
         commandButton("To end", "move_to_end", { participant_id: id }, "small secondary")]
      : [];
    const item = personItem(ctx, id, detail, actions);
    if (id === round.current) item.setAttribute("aria-current", "true");
    return item;
  });
  fill("speaking-order", items);
  const mine = round.current === ctx.you.id
    ? [commandButton("I'm done", "speaker_done"), commandButton("Pass", "speaker_pass", null, "secondary")]
    : [];
  fill("round-actions", mine);
}

export function renderWork(ctx) {
  const work = ctx.meeting.work;
  const visible = Boolean(work) && ctx.meeting.phase === "work";
  show("work-card", visible);
  if (!visible) return;
  const floor = work.questioner ? ` ${ctx.nameOf(work.questioner)} has the floor.` : "";
  document.getElementById("work-summary").textContent =
    `${ctx.nameOf(work.presenter)} is presenting.${floor}`;
  fill("hands", work.hands.map((id, index) => personItem(
    ctx, id, index === 0 ? "next" : "",
    ctx.isFacilitator ? [commandButton("Take down", "remove_hand", { participant_id: id }, "small secondary")] : [],
  )));
  fill("work-actions", workActions(ctx, work));
}

function workActions(ctx, work) {
  const actions = [];
  const asking = work.stage !== "actions";
  if (work.presenter === ctx.you.id) {
    actions.push(commandButton(asking ? "I'm done with questions" : "I'm done", "end_work"));
  } else if (ctx.you.role === "member" && asking) {
    actions.push(work.hands.includes(ctx.you.id)
      ? commandButton("Lower my hand", "lower_hand", null, "secondary")
      : commandButton("Raise my hand", "raise_hand"));
  }
  if (ctx.isFacilitator && work.hands.length) {
    actions.push(commandButton("Call next", "call_next"), commandButton("Clear hands", "clear_hands", null, "secondary"));
  }
  return actions;
}

function bidActions(ctx, bid, queue) {
  if (!ctx.isFacilitator) return [];
  const actions = [];
  if (bid.status === "pending" || bid.status === "declined") {
    actions.push(commandButton("Accept", "accept_bid", { bid_id: bid.id }, "small"));
  }
  if (bid.status === "pending" || bid.status === "accepted") {
    actions.push(commandButton("Decline", "decline_bid", { bid_id: bid.id }, "small secondary"));
  }
  const position = queue.indexOf(bid.id);
  if (position > 0) {
    const order = [...queue];
    [order[position - 1], order[position]] = [order[position], order[position - 1]];
    actions.push(commandButton("Move up", "reorder_bids", { order }, "small secondary"));
  }
  return actions;
}

export function renderBids(ctx) {
  const { meeting } = ctx;
  const queue = meeting.bids.filter((b) => b.status === "accepted").map((b) => b.id);
  fill("bids", meeting.bids.map((bid) => {
    const proposed = meeting.allocation.minutes[bid.id];
    const title = bid.title ? `“${bid.title}”, ` : "";
    const time = proposed !== undefined ? `${proposed} min proposed (asked ${bid.minutes})` : `${bid.minutes} min asked`;
    return personItem(ctx, bid.participant_id, `${title}${time} · ${BID_LABELS[bid.status]}`,
      bidActions(ctx, bid, queue));
  }));
  const mine = meeting.bids.find((b) => b.participant_id === ctx.you.id &&
    ["pending", "accepted"].includes(b.status));
  const canBid = ctx.you.role === "member" && !mine && !["learning_review", "closed"].includes(meeting.phase);
  show("bid-form", canBid);
  fill("bid-actions", mine ? [commandButton("Withdraw my bid", "withdraw_bid", null, "secondary")] : []);
}

export function renderConsole(ctx) {
  show("console", ctx.isFacilitator);
  if (!ctx.isFacilitator) return;
  const { meeting } = ctx;
  const actions = [];
  if (meeting.phase !== "closed") actions.push(commandButton("Next step", "advance_phase"));
  if (meeting.phase === "opening") {
    actions.push(commandButton("Silence, 1 min", "start_silence", { seconds: 60 }, "secondary"));
  }
  const other = meeting.allocation.mode === "equal" ? "asked" : "equal";
  actions.push(commandButton(other === "equal" ? "Share time equally" : "Share time by minutes asked",
    "set_allocation", { mode: other }, "secondary"));
  if (meeting.phase !== "closed") actions.push(commandButton("End meeting", "end_meeting", null, "danger"));
  fill("console-actions", actions);
  const select = document.getElementById("go-phase");
  if (!select.options.length) {
    select.append(...Object.entries(PHASE_LABELS).map(([value, label]) => el("option", { text: label, attrs: { value } })));
  }
  fill("timer-actions", Object.entries(meeting.timers).map(([name, timer]) => el("div", { className: "timer-row" }, [
    el("span", { text: TIMER_LABELS[name] || name, className: "timer-name" }),
    timer.deadline_ms === null
      ? commandButton("Resume", "resume_timer", { timer: name }, "small secondary")
      : commandButton("Pause", "pause_timer", { timer: name }, "small secondary"),
    commandButton("+1 min", "extend_timer", { timer: name, seconds: 60 }, "small secondary"),
    commandButton("+5 min", "extend_timer", { timer: name, seconds: 300 }, "small secondary"),
  ])));
  // Set on every render, so the button always deletes the meeting now on screen.
  document.getElementById("delete-meeting").onclick = () => deleteMeetingRecord(meeting.id);
}

// An HTTP request, not a socket command: it removes the record from the server, and the server
// then tells every widget of the meeting (this one too) that it is gone.
async function deleteMeetingRecord(meetingId) {
  const question = "Delete this meeting's record for everyone? Its history will be gone for good "
    + "and its links will stop working.";
  if (!window.confirm(question)) return;
  const button = document.getElementById("delete-meeting");
  const status = document.getElementById("delete-status");
  button.disabled = true;
  status.textContent = "Deleting…";
  try {
    const token = window.location.hash.slice(1);
    await deleteWithToken(`/api/meetings/${encodeURIComponent(meetingId)}`, token);
    status.textContent = "This meeting's record has been deleted.";
  } catch (error) {
    button.disabled = false;
    status.textContent = error.message;
  }
}

function participantActions(ctx, person) {
  if (!ctx.isFacilitator || person.id === ctx.you.id || person.role === "facilitator") return [];
  const actions = [];
  if (person.role !== "observer") actions.push(commandButton("Make observer", "set_role", { participant_id: person.id, role: "observer" }, "small secondary"));
  if (person.role !== "member") actions.push(commandButton("Make member", "set_role", { participant_id: person.id, role: "member" }, "small secondary"));
  if (ctx.you.role === "facilitator") actions.push(commandButton("Hand over", "hand_over", { participant_id: person.id }, "small secondary"));
  actions.push(commandButton("Remove", "remove_participant", { participant_id: person.id }, "small danger"));
  return actions;
}

export function renderParticipants(ctx) {
  fill("participants", ctx.meeting.participants.map((person) => {
    const role = ROLE_LABELS[person.role];
    const detail = `${role ? `${role} · ` : ""}${person.online ? "here" : "away"}`;
    const item = personItem(ctx, person.id, detail, participantActions(ctx, person));
    item.dataset.online = String(person.online);
    return item;
  }));
}

export function renderActivity(ctx) {
  const entries = [...ctx.meeting.activity].reverse();
  fill("activity", entries.map((entry) => el("li", {
    text: describe(entry, ctx.nameOf),
    className: entry.override ? "override" : "",
  })));
}
