// "Your part": where you stand in each queue and what you can do now. Presenters also get prompts
// to frame their issue and a place to name their actions; members get prompts for open questions.
import { byId, commandButton, el, fill, ordinal, show } from "../dom.js";
import { stillToAgree } from "./contract.js";
import {
  askingQuestions, bidOf, inWork, isPresenting, notReached, presentingQueue, stillToSpeak,
} from "../derive.js";

const ROLE_PLACES = {
  facilitator: "You are facilitating this meeting.",
  co_facilitator: "You are co-facilitating this meeting.",
  observer: "You are observing: you see everything and take no part in rounds or questions.",
};
const SPOKEN = { done: "You have spoken in this round.", passed: "You passed in this round.", skipped: "You were skipped in this round." };

function roundPlace(meeting, youId) {
  const round = meeting.round;
  if (!round || !round.speaking_order.includes(youId)) return null;
  if (round.outcomes[youId]) return SPOKEN[round.outcomes[youId]];
  const ahead = stillToSpeak(round).indexOf(youId);
  if (ahead === 0 && round.current === youId) return null; // the banner above says so
  return `You speak ${ordinal(ahead + 1)}: ${ahead === 1 ? "1 person" : `${ahead} people`} before you.`;
}

function handPlace(meeting, youId) {
  if (!inWork(meeting)) return null;
  if (meeting.work.questioner === youId) return "You have the floor.";
  const position = meeting.work.hands.indexOf(youId);
  return position < 0 ? null : `Your hand is up: ${ordinal(position + 1)} in line.`;
}

function bidPlace(meeting, youId) {
  const bid = bidOf(meeting, youId);
  if (!bid) return null;
  if (bid.status === "pending") return "Your bid is waiting for the facilitator.";
  if (bid.status === "declined") return "Your bid was not taken up this time.";
  if (bid.status === "working") return null; // the banner above says so
  if (notReached(meeting, bid)) return "Your bid was not reached in this meeting.";
  const position = presentingQueue(meeting).findIndex((b) => b.id === bid.id);
  const minutes = meeting.allocation.minutes[bid.id];
  const time = minutes === undefined ? "" : `, with about ${minutes} minutes`;
  return `Your bid is accepted: you present ${ordinal(position + 1)}${time}.`;
}

export function renderPlaces(ctx) {
  const { meeting, you } = ctx;
  const places = [ROLE_PLACES[you.role], roundPlace(meeting, you.id), handPlace(meeting, you.id), bidPlace(meeting, you.id),
    stillToAgree(ctx) ? "Please read our contract, and agree to it." : null]
    .filter(Boolean);
  if (!places.length) {
    places.push(meeting.phase === "closed" ? "Nothing more is asked of you today."
      : "Nothing is asked of you right now: listen, and signal if you need to.");
  }
  fill("your-places", places.map((text) => el("li", { text })));
}

export function renderYourActions(ctx) {
  const { meeting, you } = ctx;
  const actions = [];
  if (meeting.round && meeting.round.current === you.id) {
    actions.push(commandButton("I'm done", "speaker_done"),
      commandButton("Pass", "speaker_pass", { className: "secondary" }));
  }
  if (inWork(meeting) && meeting.work.presenter === you.id) {
    const text = askingQuestions(meeting) ? "I'm done with questions" : "I'm done";
    actions.push(commandButton(text, "end_work", { key: "end-work" }));
  } else if (askingQuestions(meeting) && you.role === "member") {
    actions.push(meeting.work.hands.includes(you.id)
      ? commandButton("Lower my hand", "lower_hand", { className: "secondary", key: "hand" })
      : commandButton("Raise my hand", "raise_hand", { key: "hand" }));
  }
  fill("your-actions", actions);
}

function promptItems(texts) {
  return texts.map((text) => el("li", { text }));
}

// Framing prompts for whoever is about to present or presenting; action capture during their work.
export function renderPresenterTools(ctx) {
  const { meeting, you, guide } = ctx;
  const bid = bidOf(meeting, you.id);
  const presenting = isPresenting(meeting, you.id);
  const upcoming = bid && ["accepted", "working"].includes(bid.status) && !notReached(meeting, bid);
  show("presenter-tools", Boolean(presenting || upcoming));
  if (!isFilled("framing-prompts")) fill("framing-prompts", promptItems(guide.prompts.framing));
  show("action-capture", presenting);
  show("framing", meeting.phase !== "closing_round"); // framing is for before and during the work
  if (!presenting) return;
  const mine = meeting.actions.filter((action) => action.bid_id === meeting.work.bid_id);
  show("my-actions-heading", mine.length > 0);
  fill("my-actions", mine.map((action) => el("li", { className: "item" }, [
    el("span", { text: action.text }),
    commandButton("Remove", "remove_action", {
      args: { action_id: action.id }, className: "small secondary", label: `Remove the action: ${action.text}`,
    }),
  ])));
}

// Prompts never change during a meeting: filled once.
function isFilled(id) {
  return byId(id).childElementCount > 0;
}

export function renderQuestionPrompts(ctx) {
  const { meeting, you, guide } = ctx;
  const asking = askingQuestions(meeting) && meeting.work.presenter !== you.id && you.role !== "observer";
  show("question-prompts", asking);
  if (!asking) return;
  const list = meeting.work.stage === "open_questions" ? guide.prompts.open : guide.prompts.clarifying;
  fill("question-list", promptItems(list));
  if (!isFilled("reframe-list")) {
    fill("reframe-list", guide.prompts.reframes.map(([advice, question]) => el("li", {}, [
      el("s", { text: advice }), el("span", { text: " → " , attrs: { "aria-hidden": "true" } }),
      el("span", { className: "visually-hidden", text: " instead, ask: " }), el("span", { text: question }),
    ])));
  }
}
