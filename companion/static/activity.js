// One readable line for each entry of the meeting's activity log.
import { windowText } from "./derive.js";
import { PHASE_LABELS, STAGE_LABELS, TIMER_LABELS } from "./phases.js";

const SENTENCES = {
  phase_moved: (a, s, d) => `${a} moved the meeting to ${PHASE_LABELS[d] || d}.`,
  stage_moved: (a, s, d) => `${a} moved on to ${STAGE_LABELS[d] || d}.`,
  questions_ended: (a, s) => `${s} has finished taking questions.`,
  work_ended: (a, s) => `${s}'s work has ended.`,
  meeting_ended: (a) => `${a} ended the meeting.`,
  silence_started: (a) => `${a} started a moment of silence.`,
  speaker_done: (a) => `${a} finished speaking.`,
  speaker_passed: (a) => `${a} passed.`,
  speaker_skipped: (a, s) => `${a} skipped ${s}.`,
  round_moved_to_end: (a, s) => `${a} moved ${s} to the end of the round.`,
  round_reordered: (a) => `${a} changed the speaking order.`,
  bid_placed: (a) => `${a} asked for time.`,
  bid_withdrawn: (a) => `${a} withdrew their bid.`,
  bid_accepted: (a, s) => `${a} accepted ${s}'s bid.`,
  bid_declined: (a, s) => `${a} declined ${s}'s bid.`,
  bids_reordered: (a) => `${a} changed the order of presenters.`,
  allocation_set: (a, s, d) => `${a} chose to share time ${d === "equal" ? "equally" : "by minutes asked"}.`,
  presenters_kept: (a, s, d) => (d === "on" ? `${a} chose to keep who presented in past meetings.`
    : `${a} chose not to keep who presented in past meetings.`),
  hand_raised: (a) => `${a} raised a hand.`,
  hand_lowered: (a) => `${a} lowered their hand.`,
  hand_called: (a, s) => `${a} gave the floor to ${s}.`,
  hand_removed: (a, s) => `${a} took down ${s}'s hand.`,
  hands_cleared: (a) => `${a} cleared the raised hands.`,
  hands_reordered: (a) => `${a} changed the order of raised hands.`,
  action_added: (a) => `${a} named an action.`,
  action_removed: (a, s) => (a === s ? `${a} took back one of their actions.` : `${a} took off one of ${s}'s actions.`),
  timer_started: (a, s, d) => `${a} started the ${timerName(d)} timer.`,
  timer_paused: (a, s, d) => `${a} paused the ${timerName(d)} timer.`,
  timer_resumed: (a, s, d) => `${a} resumed the ${timerName(d)} timer.`,
  timer_extended: (a, s, d) => `${a} added time to the ${timerName(d)} timer.`,
  timer_stopped: (a, s, d) => `${a} stopped the ${timerName(d)} timer.`,
  facilitation_handed_over: (a, s) => `${a} handed facilitation to ${s}.`,
  role_set: (a, s, d) => `${a} made ${s} ${d.replace("_", "-")}.`,
  participant_removed: (a, s) => `${a} removed ${s} from the meeting.`,
  contract_rewritten: (a) => `${a} changed the contract; each member is asked to agree again.`,
  contract_agreed: (a) => `${a} agreed to keep to the contract.`,
  action_reported: (a, s) => `${s} reported back on an action.`,
  // A signal's line names the facilitator who overrode, never anyone who signalled.
  signal_off: (a, s, d, label) => `${a} switched off “${label(d)}”.`,
  signal_on: (a, s, d, label) => `${a} switched “${label(d)}” back on.`,
  signals_cleared: (a, s, d, label) => (d ? `${a} cleared the count of “${label(d)}”.` : `${a} cleared the signal counts.`),
  signal_window_set: (a, s, d) => `${a} set signals to count for ${windowText(Number(d))}.`,
};

function timerName(detail) {
  const name = (detail || "").split(":")[0];
  return (TIMER_LABELS[name] || name).toLowerCase();
}

export function describe(entry, ctx) {
  const sentence = SENTENCES[entry.action];
  const actor = ctx.nameOf(entry.actor);
  const subject = ctx.nameOf(entry.subject);
  const signalLabel = (kind) => (ctx.guide.signals.find((signal) => signal.kind === kind) || { label: kind }).label;
  return sentence ? sentence(actor, subject, entry.detail, signalLabel) : `${actor}: ${entry.action}`;
}
