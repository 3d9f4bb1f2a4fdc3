// The queues: the speaking order of a round, the raised hands during work, and the bids. Each
// person's place is shown to all; facilitators also get the controls to reorder and steer them.
import { commandButton, el, fill, ordinal, show } from "../dom.js";
import { askingQuestions, bidOf, inWork, nextSpeaker, notReached, presentingQueue } from "../derive.js";

export const OUTCOME_LABELS = { done: "spoke", passed: "passed", skipped: "skipped" };
const BID_LABELS = {
  pending: "waiting", accepted: "accepted", declined: "declined", working: "presenting now", done: "done",
};

export function personItem(ctx, id, detail, actions = []) {
  const name = ctx.nameOf(id) + (id === ctx.you.id ? " (you)" : "");
  return el("li", { className: "person", attrs: { "data-person": id } }, [
    el("span", { text: name, className: "person-name" }),
    el("span", { text: detail, className: "person-detail" }),
    ...(actions.length ? [el("span", { className: "row-actions" }, actions)] : []),
  ]);
}

// "Move up" and "Move down" for one entry of an ordered list, sending the whole new order.
function moveButtons(command, order, index, name, { lastMovable = order.length - 1 } = {}) {
  const swapped = (a, b) => {
    const copy = [...order];
    [copy[a], copy[b]] = [copy[b], copy[a]];
    return { order: copy };
  };
  const buttons = [];
  if (index > 0 && index <= lastMovable) {
    buttons.push(commandButton("↑", command, { args: swapped(index - 1, index), className: "small secondary", label: `Move ${name} up`, key: `${command}:up:${order[index]}` }));
  }
  if (index < lastMovable) {
    buttons.push(commandButton("↓", command, { args: swapped(index, index + 1), className: "small secondary", label: `Move ${name} down`, key: `${command}:down:${order[index]}` }));
  }
  return buttons;
}

function roundControls(ctx, round, id, index) {
  if (!ctx.isFacilitator || round.outcomes[id]) return [];
  const order = round.speaking_order;
  const presenter = round.kind === "closing" && ctx.meeting.work ? ctx.meeting.work.presenter : null;
  if (id === presenter) return [];
  const name = ctx.nameOf(id);
  const lastMovable = presenter && order.includes(presenter) ? order.length - 2 : order.length - 1;
  return [
    ...moveButtons("reorder_round", order, index, name, { lastMovable }),
    commandButton("Skip", "skip_speaker", { args: { participant_id: id }, className: "small secondary", label: `Skip ${name}` }),
  ];
}

export function renderRound(ctx) {
  const round = ctx.meeting.round;
  show("round-card", Boolean(round));
  if (!round) return;
  const next = nextSpeaker(round);
  fill("speaking-order", round.speaking_order.map((id, index) => {
    const status = id === round.current ? "speaking now" : OUTCOME_LABELS[round.outcomes[id]] || (id === next ? "next" : "waiting");
    const item = personItem(ctx, id, status, roundControls(ctx, round, id, index));
    if (id === round.current) item.setAttribute("aria-current", "true");
    return item;
  }));
}

function handControls(ctx, hands, id, index) {
  if (!ctx.isFacilitator) return [];
  const name = ctx.nameOf(id);
  return [
    ...moveButtons("reorder_hands", hands, index, name),
    commandButton("Take down", "remove_hand", { args: { participant_id: id }, className: "small secondary", label: `Take down ${name}'s hand` }),
  ];
}

function renderHands(ctx) {
  const { work } = ctx.meeting;
  const asking = askingQuestions(ctx.meeting);
  show("hands-block", asking);
  if (!asking) return;
  show("hands-empty", work.hands.length === 0);
  fill("hands", work.hands.map((id, index) => personItem(
    ctx, id, index === 0 ? "next" : `${index + 1} in line`, handControls(ctx, work.hands, id, index),
  )));
  fill("hand-controls", ctx.isFacilitator && work.hands.length ? [
    commandButton("Give the floor to the next", "call_next"),
    commandButton("Clear hands", "clear_hands", { className: "secondary" }),
  ] : []);
}

function renderNamedActions(ctx) {
  const { work, actions } = ctx.meeting;
  const named = actions.filter((action) => action.bid_id === work.bid_id);
  const presenterSeesOwn = work.presenter === ctx.you.id;
  show("named-actions-block", named.length > 0 && !presenterSeesOwn);
  fill("named-actions", presenterSeesOwn ? [] : named.map((action) => el("li", { className: "item" }, [
    el("span", { text: action.text }),
    ...(ctx.isFacilitator ? [commandButton("Remove", "remove_action", {
      args: { action_id: action.id }, className: "small danger", label: `Remove the action: ${action.text}`,
    })] : []),
  ])));
}

export function renderWork(ctx) {
  const { meeting } = ctx;
  // The presenter has it all in the now block and their own part; the card is for the rest.
  const presenterAtWork = Boolean(meeting.work) && meeting.work.presenter === ctx.you.id;
  const visible = Boolean(meeting.work) && ["work", "closing_round"].includes(meeting.phase) && !presenterAtWork;
  show("work-card", visible);
  if (!visible) return;
  const presenter = ctx.nameOf(meeting.work.presenter);
  const floor = inWork(meeting) && meeting.work.questioner ? ` ${ctx.nameOf(meeting.work.questioner)} has the floor.` : "";
  document.getElementById("work-summary").textContent = inWork(meeting)
    ? `${presenter} is presenting.${floor}` : `Closing round for ${presenter}, who speaks last.`;
  renderHands(ctx);
  renderNamedActions(ctx);
}

function bidControls(ctx, bid, queue, index) {
  if (!ctx.isFacilitator) return [];
  const name = ctx.nameOf(bid.participant_id);
  const controls = [];
  if (bid.status === "pending" || bid.status === "declined") {
    controls.push(commandButton("Accept", "accept_bid", { args: { bid_id: bid.id }, className: "small", label: `Accept ${name}'s bid` }));
  }
  if (bid.status === "pending" || bid.status === "accepted") {
    controls.push(commandButton("Decline", "decline_bid", { args: { bid_id: bid.id }, className: "small secondary", label: `Decline ${name}'s bid` }));
  }
  if (index >= 0) controls.push(...moveButtons("reorder_bids", queue, index, `${name}'s bid`));
  return controls;
}

// Also the stage view's words for a bid (views/stage.js).
export function bidDetail(meeting, bid, queue) {
  const unreached = notReached(meeting, bid);
  const proposed = unreached ? undefined : meeting.allocation.minutes[bid.id];
  const time = proposed !== undefined ? `${proposed} min proposed (asked ${bid.minutes})` : `${bid.minutes} min asked`;
  const place = unreached ? "not reached"
    : bid.status === "accepted" ? `presents ${ordinal(queue.indexOf(bid.id) + 1)}` : BID_LABELS[bid.status];
  return [bid.title ? `“${bid.title}”` : "", time, place].filter(Boolean).join(" · ");
}

// The bid form is open while the set bids, and folded away at other times bids are taken, so it
// does not crowd the work. Only a change of phase moves it: a person's own opening is kept.
let bidBoxPhase = null;

function openBidBoxOnEnteringBidding(phase) {
  if (phase === bidBoxPhase) return;
  bidBoxPhase = phase;
  document.getElementById("bid-box").open = phase === "bidding";
}

export function renderBids(ctx) {
  const { meeting, you } = ctx;
  const queue = presentingQueue(meeting).map((bid) => bid.id);
  show("bids-empty", meeting.bids.length === 0);
  fill("bids", meeting.bids.map((bid) => personItem(
    ctx, bid.participant_id, bidDetail(meeting, bid, queue), bidControls(ctx, bid, queue, queue.indexOf(bid.id)),
  )));
  const mine = bidOf(meeting, you.id);
  const open = ["opening", "check_in", "bidding", "work", "closing_round"].includes(meeting.phase);
  // A declined bid does not stop someone asking again; one still in play does.
  show("bid-box", you.role === "member" && (!mine || mine.status === "declined") && open);
  openBidBoxOnEnteringBidding(meeting.phase);
  const withdrawable = mine && ["pending", "accepted"].includes(mine.status);
  fill("bid-actions", withdrawable ? [commandButton("Withdraw my bid", "withdraw_bid", { className: "secondary" })] : []);
}
