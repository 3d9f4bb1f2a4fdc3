// The stage view (stage.html): the meeting in large type for a shared screen, with no controls.
// The "Now" block is drawn by the widget's own functions (views/now.js), and everything else from
// the same derived state (derive.js): the stage can never tell the room something the widgets
// do not. It shows only what every member's widget shows, as the server sends it nothing more.
import { el, fill, setText, show } from "../dom.js";
import { askingQuestions, liveSignalCount, nextSpeaker, presentingQueue } from "../derive.js";
import { icon } from "../icons.js";
import { renderPhase, renderSpeakers, renderTimers, tickTimers } from "./now.js";
import { OUTCOME_LABELS, bidDetail } from "./queues.js";

function item(ctx, id, detail, current = false) {
  return el("li", { className: current ? "stage-person current" : "stage-person", attrs: { "data-person": id } }, [
    el("span", { text: ctx.nameOf(id), className: "stage-person-name" }),
    el("span", { text: detail, className: "stage-person-detail" }),
  ]);
}

function roundQueue(ctx, round) {
  const next = nextSpeaker(round);
  const items = round.speaking_order.map((id) => {
    const status = id === round.current ? "speaking now" : OUTCOME_LABELS[round.outcomes[id]] || (id === next ? "next" : "waiting");
    return item(ctx, id, status, id === round.current);
  });
  return { heading: "Speaking order", items, empty: "Nobody is in the round." };
}

function handsQueue(ctx, hands) {
  const items = hands.map((id, index) => item(ctx, id, index === 0 ? "next" : `${index + 1} in line`));
  return { heading: "Raised hands", items, empty: "No hands are up." };
}

function bidsQueue(ctx, meeting) {
  const queue = presentingQueue(meeting).map((bid) => bid.id);
  const items = meeting.bids.map((bid) => item(
    ctx, bid.participant_id, bidDetail(meeting, bid, queue), bid.status === "working",
  ));
  return { heading: "Bids for time", items, empty: "No bids yet." };
}

// What the room waits on now: the round's speaking order, the questions' raised hands, or else
// the bids and the order people present in.
function queueOf(ctx) {
  const { meeting } = ctx;
  if (meeting.round) return roundQueue(ctx, meeting.round);
  if (askingQuestions(meeting)) return handsQueue(ctx, meeting.work.hands);
  return bidsQueue(ctx, meeting);
}

function renderQueue(ctx) {
  const queue = queueOf(ctx);
  setText("stage-queue-heading", queue.heading);
  fill("stage-queue-list", queue.items);
  show("stage-queue-list", queue.items.length > 0);
  show("stage-queue-empty", queue.items.length === 0);
  setText("stage-queue-empty", queue.empty);
}

// The kinds members can send now, each with how many people's signals of it still count.
function renderSignals(ctx) {
  const off = new Set(ctx.meeting.signal_settings.off);
  const kinds = ctx.guide.signals.filter((signal) => !off.has(signal.kind));
  fill("stage-signal-list", kinds.map((signal) => el("li", { className: "stage-signal", attrs: { "data-kind": signal.kind } }, [
    icon(signal.kind),
    el("span", { text: signal.label, className: "stage-signal-label" }),
    el("span", { className: "stage-signal-count", attrs: { "data-count-for": signal.kind } }),
  ])));
  return tickSignals(ctx);
}

// Rewrite the counts; returns how long until the next signal fades (Infinity when none counts).
function tickSignals(ctx) {
  const now = ctx.serverNow();
  for (const count of document.querySelectorAll("#stage-signal-list [data-count-for]")) {
    const fades = ctx.meeting.signals[count.dataset.countFor] || [];
    const live = String(liveSignalCount(fades, now));
    count.closest("li").dataset.count = live;
    if (count.textContent !== live) count.textContent = live;
  }
  const upcoming = Object.values(ctx.meeting.signals).flat().filter((fadesAt) => fadesAt > now);
  return upcoming.length ? Math.min(...upcoming) - now : Infinity;
}

// Draws the whole view; returns how long until something shown next changes by itself.
export function renderStage(ctx) {
  renderPhase(ctx);
  renderSpeakers(ctx);
  renderQueue(ctx);
  return Math.min(renderTimers(ctx), renderSignals(ctx));
}

export function tickStage(ctx) {
  return Math.min(tickTimers(ctx), tickSignals(ctx));
}
