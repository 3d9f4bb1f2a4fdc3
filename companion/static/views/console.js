// The facilitator's console: a control for every override. Each one is a command like any other,
// so the server records it and every widget shows it in Recent activity.
import { deleteWithToken, postWithToken } from "../api.js";
import { byId, commandButton, el, fill, show } from "../dom.js";
import { inWork } from "../derive.js";
import { PHASE_LABELS, TIMER_LABELS } from "../phases.js";

// What a facilitator most often does next, on the first screen: back, next, and the one override
// the step most often needs. A keyboard shortcut presses the same buttons.
function steerControls(ctx) {
  const { meeting } = ctx;
  const controls = [];
  if (meeting.phase !== "opening") {
    controls.push(commandButton("Back", "previous_phase", { className: "secondary", label: "Back to the previous step" }));
  }
  if (meeting.phase !== "closed") controls.push(commandButton("Next step", "advance_phase"));
  if (meeting.phase === "closed") controls.push(nextMeetingButton(ctx));
  const override = keyOverride(ctx);
  if (override) controls.push(override);
  return controls;
}

// The step's key override: the one thing a facilitator most often has to do over the members'
// heads at that moment. Each is an ordinary command, shown to everyone in Recent activity.
function keyOverride(ctx) {
  const { meeting } = ctx;
  const key = KEY_OVERRIDE;
  if (meeting.phase === "opening") {
    return commandButton("Silence, 1 min", "start_silence", { args: { seconds: 60 }, className: "secondary", key });
  }
  if (meeting.round && meeting.round.current) {
    const name = ctx.nameOf(meeting.round.current);
    return commandButton(`Skip ${name}`, "skip_speaker", {
      args: { participant_id: meeting.round.current }, className: "secondary", key, label: `Skip ${name}, to the next speaker`,
    });
  }
  const pending = meeting.phase === "bidding" && meeting.bids.find((bid) => bid.status === "pending");
  if (pending) {
    const text = `Accept ${ctx.nameOf(pending.participant_id)}'s bid`;
    return commandButton(text, "accept_bid", {
      args: { bid_id: pending.id }, className: "secondary", key, label: `${text}, the first one waiting`,
    });
  }
  if (inWork(meeting)) {
    const presenter = ctx.nameOf(meeting.work.presenter);
    const text = meeting.work.stage === "actions" ? `End ${presenter}'s work` : `End questions for ${presenter}`;
    return commandButton(text, "end_work", { className: "secondary", key });
  }
  if (meeting.phase === "learning_review") {
    return commandButton("End the meeting", "end_meeting", { className: "secondary", key });
  }
  return null;
}

export const KEY_OVERRIDE = "key-override";

// The opening's other silences; the one of a minute is the key override, on the first screen.
function silenceControls(meeting) {
  if (meeting.phase !== "opening") return [];
  return [el("div", { className: "actions" }, [["30 s", 30], ["2 min", 120]].map(([text, seconds]) => commandButton(
    `Silence, ${text}`, "start_silence", { args: { seconds }, className: "small secondary", key: `silence:${seconds}` },
  )))];
}

function sharingControl(meeting) {
  const other = meeting.allocation.mode === "equal" ? "asked" : "equal";
  return commandButton(other === "equal" ? "Share time equally" : "Share time by minutes asked",
    "set_allocation", { args: { mode: other }, className: "secondary", key: "allocation" });
}

function timerRow(name, timer) {
  const label = TIMER_LABELS[name] || name;
  // The accessible name starts with the visible text, so speech control ("click +1 min") works.
  const small = (text, command, args = {}) => commandButton(text, command, {
    args: { timer: name, ...args }, className: "small secondary", label: `${text}: ${label.toLowerCase()} timer`,
  });
  return el("div", { className: "timer-row" }, [
    el("span", { text: label, className: "timer-name" }),
    timer.deadline_ms === null ? small("Resume", "resume_timer") : small("Pause", "pause_timer"),
    small("+1 min", "extend_timer", { seconds: 60 }),
    small("+5 min", "extend_timer", { seconds: 300 }),
    small("Stop", "stop_timer"),
  ]);
}

function fillGoTo(ctx) {
  const { meeting } = ctx;
  const phases = byId("go-phase");
  if (!phases.options.length) {
    phases.append(...Object.entries(PHASE_LABELS).map(([value, label]) => el("option", { text: label, attrs: { value } })));
    phases.addEventListener("change", () => show("go-bid-row", phases.value === "work"));
  }
  const workable = meeting.bids.filter((bid) => ["accepted", "working", "done"].includes(bid.status));
  const bids = byId("go-bid");
  const chosen = bids.value;
  bids.replaceChildren(...workable.map((bid) => el("option", {
    text: ctx.nameOf(bid.participant_id),
    attrs: { value: bid.id },
  })));
  if (workable.some((bid) => bid.id === chosen)) bids.value = chosen;
  show("go-bid-row", phases.value === "work" && workable.length > 0);
}

export function renderConsole(ctx) {
  show("console", ctx.isFacilitator);
  fill("steer-controls", ctx.isFacilitator ? steerControls(ctx) : []);
  if (!ctx.isFacilitator) return;
  const { meeting } = ctx;
  fillGoTo(ctx);
  fill("sharing-controls", [sharingControl(meeting)]);
  byId("record-presenters").checked = meeting.record_presenters !== false;
  fill("timer-controls", [
    ...Object.entries(meeting.timers).map(([name, timer]) => timerRow(name, timer)),
    ...silenceControls(meeting),
  ]);
  fill("closing-controls", meeting.phase !== "closed"
    ? [commandButton("End the meeting", "end_meeting", { className: "danger" })] : []);
  // Set on every render, so the button always deletes the meeting now on screen.
  byId("delete-meeting").onclick = () => deleteMeetingRecord(meeting.id);
}

// An HTTP request, not a socket command. Once the next meeting starts, the server moves every
// widget of this one over to it, this one too.
function nextMeetingButton(ctx) {
  const button = el("button", { text: "Start the next meeting", attrs: { type: "button", "data-key": "next-meeting" } });
  button.onclick = () => startNextMeeting(ctx.setId, ctx.token, button);
  return button;
}

async function startNextMeeting(setId, token, button) {
  const status = byId("next-meeting-status");
  button.disabled = true;
  status.textContent = "Starting the next meeting…";
  try {
    await postWithToken(`/api/sets/${encodeURIComponent(setId)}/meetings`, token);
    status.textContent = "";
  } catch (error) {
    button.disabled = false;
    status.textContent = error.message;
  }
}

// An HTTP request, not a socket command: it removes the record from the server, and the server
// then tells every widget of the meeting (this one too) that it is gone.
async function deleteMeetingRecord(meetingId) {
  const question = "Delete this meeting's record for everyone? Its history will be gone for good "
    + "and its links will stop working.";
  if (!window.confirm(question)) return;
  const button = byId("delete-meeting");
  const status = byId("delete-status");
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
