// What a screen reader hears when the meeting changes: the phase or stage, whose turn it is, who
// has the floor, and new signals. One polite message per snapshot, so nothing talks over itself.
import { byId } from "./dom.js";
import { PHASE_LABELS, STAGE_LABELS } from "./phases.js";
import { inWork, severalSignalled } from "./derive.js";
import { nextMeetingNews } from "./views/next_meeting.js";

// What this person should do now, if anything: shown in the banner and announced when it changes.
export function yourTurn(meeting, youId) {
  if (meeting.round && meeting.round.current === youId) return "It's your turn to speak.";
  if (inWork(meeting)) {
    if (meeting.work.presenter === youId) {
      return meeting.work.stage === "actions"
        ? "Name your actions, then say you are done."
        : "You are presenting. You decide when you are done.";
    }
    if (meeting.work.questioner === youId) return "You have the floor: ask your question.";
  }
  return "";
}

function phaseNews(previous, meeting) {
  const stageOf = (m) => (inWork(m) ? m.work.stage : null);
  if (previous.phase !== meeting.phase) return `The meeting has moved to ${PHASE_LABELS[meeting.phase]}.`;
  if (stageOf(meeting) && stageOf(previous) !== stageOf(meeting)) {
    return `Now: ${STAGE_LABELS[stageOf(meeting)]}.`;
  }
  return "";
}

function speakerNews(previous, meeting, ctx) {
  const current = meeting.round ? meeting.round.current : null;
  const before = previous.round ? previous.round.current : null;
  if (current && current !== before && current !== ctx.you.id) return `${ctx.nameOf(current)} is speaking now.`;
  const floor = inWork(meeting) ? meeting.work.questioner : null;
  const floorBefore = inWork(previous) ? previous.work.questioner : null;
  if (floor && floor !== floorBefore && floor !== ctx.you.id) return `${ctx.nameOf(floor)} has the floor.`;
  return "";
}

// Facilitators hear "several people" once, as a kind reaches that many; any other new signal is
// "someone". A presenter who hid the signals hears none of them.
function signalNews(previous, meeting, ctx) {
  if (ctx.signalsHidden) return "";
  const now = ctx.serverNow();
  return ctx.guide.signals
    .map((signal) => {
      const several = (m) => severalSignalled(m, signal.kind, now);
      if (ctx.isFacilitator && several(meeting) && !several(previous)) {
        return `Several people signalled: ${signal.label}.`;
      }
      const known = new Set(previous.signals[signal.kind] || []);
      const fresh = (meeting.signals[signal.kind] || []).some((fadesAt) => !known.has(fadesAt));
      return fresh ? `Someone signalled: ${signal.label}.` : "";
    })
    .filter(Boolean)
    .join(" ");
}

// A rewritten contract asks each member to agree afresh, so they hear of it.
function contractNews(previous, meeting, ctx) {
  if (previous.contract.items.join("\n") === meeting.contract.items.join("\n")) return "";
  return ctx.you.role === "member" ? "The contract has changed: please read it again." : "The contract has changed.";
}

let pending = null;
// Words asked with `keep` and not yet written: what follows before they are goes after them rather
// than in their place. A keyboard shortcut says what it does, and the news its press causes may
// arrive within the pause.
let kept = "";

export function announce(text, { keep = false } = {}) {
  const announcer = byId("announcer");
  const words = kept && !keep ? `${kept} ${text}` : text;
  kept = keep ? text : kept;
  announcer.textContent = "";
  window.clearTimeout(pending);
  // A short pause between clearing and writing makes screen readers treat it as new speech.
  pending = window.setTimeout(() => {
    announcer.textContent = words;
    kept = "";
  }, 50);
}

export function announceChanges(previous, ctx) {
  const { meeting } = ctx;
  const turn = yourTurn(meeting, ctx.you.id);
  const banner = byId("your-turn");
  const news = previous
    ? [phaseNews(previous, meeting), turn !== banner.textContent ? turn : speakerNews(previous, meeting, ctx),
      signalNews(previous, meeting, ctx), contractNews(previous, meeting, ctx),
      nextMeetingNews(previous, meeting)]
    : [turn];
  banner.textContent = turn;
  banner.hidden = !turn;
  const text = news.filter(Boolean).join(" ");
  if (text) announce(text);
}
