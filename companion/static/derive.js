// Facts several regions need, derived from the snapshot alone: who speaks, who is next, and where
// each person stands in each queue. No DOM here.
export const isFacilitation = (role) => role === "facilitator" || role === "co_facilitator";

// A round's people still to speak, in order, starting with the current speaker.
export function stillToSpeak(round) {
  if (!round) return [];
  const waiting = round.speaking_order.filter((id) => !round.outcomes[id] && id !== round.current);
  return round.current ? [round.current, ...waiting] : waiting;
}

export function nextSpeaker(round) {
  const queue = stillToSpeak(round);
  return round && round.current ? queue[1] || null : queue[0] || null;
}

export function inWork(meeting) {
  return meeting.phase === "work" && meeting.work !== null;
}

export function askingQuestions(meeting) {
  return inWork(meeting) && meeting.work.stage !== "actions";
}

// The work comes before the learning review. An accepted bid still waiting once the meeting is
// there, or closed, was not reached: the facilitator moved on past it (and may yet go back).
const PAST_THE_WORK = new Set(["learning_review", "closed"]);

export function notReached(meeting, bid) {
  return bid.status === "accepted" && PAST_THE_WORK.has(meeting.phase);
}

// Accepted bids still to present, in presenting order.
export function presentingQueue(meeting) {
  return meeting.bids.filter((bid) => bid.status === "accepted" && !notReached(meeting, bid));
}

// The bid of yours that is still in play (waiting, accepted or being worked on), or else one
// declined: someone turned down may ask again, and then the new bid is the one that matters.
export function bidOf(meeting, participantId) {
  const yours = meeting.bids.filter((bid) => bid.participant_id === participantId);
  return yours.find((bid) => ["pending", "accepted", "working"].includes(bid.status))
    || yours.find((bid) => bid.status === "declined") || null;
}

export function presenterOf(meeting) {
  return meeting.work ? meeting.work.presenter : null;
}

// Presenting now: during their own work, and in the closing round that ends it.
export function isPresenting(meeting, participantId) {
  return presenterOf(meeting) === participantId && ["work", "closing_round"].includes(meeting.phase);
}

// Who speaks now and who comes next, as label and person id pairs for the "Now" card.
export function speakers(meeting) {
  if (meeting.round) {
    return [
      ["Speaking", meeting.round.current],
      ["Next", nextSpeaker(meeting.round)],
    ];
  }
  if (inWork(meeting)) {
    const rows = [["Presenting", meeting.work.presenter]];
    if (meeting.work.questioner) rows.push(["Has the floor", meeting.work.questioner]);
    if (askingQuestions(meeting)) rows.push(["Next question", meeting.work.hands[0] || null]);
    return rows;
  }
  return [];
}

// Remaining milliseconds of a timer at server time `now`; negative once it has run out.
export function remainingMs(timer, now) {
  return timer.deadline_ms === null ? timer.remaining_ms : timer.deadline_ms - now;
}

// How many people's signals of one kind still count: each person counts once per kind.
export function liveSignalCount(fadeTimes, now) {
  return (fadeTimes || []).filter((fadesAt) => fadesAt > now).length;
}

// Enough people sent the same signal that the facilitators should notice.
export function severalSignalled(meeting, kind, now) {
  return liveSignalCount(meeting.signals[kind], now) >= meeting.signal_settings.highlight_at;
}

// How long a signal counts, as the help text and the activity log say it: "45 s", "2 min".
export function windowText(seconds) {
  return seconds > 60 && seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}
