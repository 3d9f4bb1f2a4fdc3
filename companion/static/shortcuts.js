// Keyboard shortcuts. Each is one key with no Ctrl, Alt or Meta, so none takes a combination the
// browser or Teams uses, and a screen reader in browse mode keeps its own single-key commands
// (the page hears those keys only in focus mode). Nothing happens while the focus is in a field,
// where the keys type. A shortcut presses the very button a click would, so the same rules,
// confirmations and answers follow; one that cannot act now says why. Each is announced, and "?"
// lists the shortcuts this person may use now. Facilitators steer; members signal.
import { announce } from "./announce.js";
import { askingQuestions, inWork } from "./derive.js";
import { TIMER_LABELS } from "./phases.js";
import { KEY_OVERRIDE } from "./views/console.js";
import { mainTimer } from "./views/now.js";
import { refreshShortcutHelp, showShortcutHelp } from "./views/shortcut_help.js";
import { signalsHiddenFor, whyNotSendable } from "./views/signals.js";

const argsOf = (button) => (button.dataset.args ? JSON.parse(button.dataset.args) : {});
const nameOf = (button) => button.getAttribute("aria-label") || button.textContent.trim();

function first(selector, matches = () => true) {
  return [...document.querySelectorAll(selector)].find(matches) || null;
}

const steer = (command) => first(`#steer-controls [data-command="${command}"]`);

// Each finder returns the button the key presses now, or why there is none.
function nextStep(ctx) {
  if (ctx.meeting.phase === "closed") return "The meeting has ended: there is no next step.";
  return steer("advance_phase") || "There is no next step just now.";
}

function back(ctx) {
  if (ctx.meeting.phase === "opening") return "This is the opening: there is no step back.";
  return steer("previous_phase") || "There is no step back just now.";
}

// The timer shown first and larger: pausing it, or resuming it once paused.
function timerSwitch(ctx) {
  const name = mainTimer(ctx.meeting);
  if (!name) return "No timer is running. You can set one in the facilitator controls.";
  const label = (TIMER_LABELS[name] || name).toLowerCase();
  return first('#timer-controls [data-command="pause_timer"], #timer-controls [data-command="resume_timer"]',
    (button) => argsOf(button).timer === name) || `The ${label} timer has no controls just now.`;
}

// In a round the turn passes on (the current speaker is skipped, as their Skip button does);
// during questions the floor goes to the next raised hand.
function nextSpeaker(ctx) {
  const { meeting } = ctx;
  if (meeting.round) {
    const { current } = meeting.round;
    if (!current) return "Everyone has spoken in this round.";
    return first('#speaking-order [data-command="skip_speaker"]', (button) => argsOf(button).participant_id === current)
      || `${ctx.nameOf(current)} has the last word in this round, and ends their own turn.`;
  }
  if (askingQuestions(meeting)) {
    return first('#hand-controls [data-command="call_next"]') || "No hands are up.";
  }
  if (inWork(meeting)) return "The questions are over: nobody takes the floor now.";
  return "Nobody takes turns to speak at this step.";
}

// The step's key override, as the first screen shows it (see views/console.js).
function keyOverride(ctx) {
  const button = first(`#steer-controls [data-key="${KEY_OVERRIDE}"]`);
  if (button) return button;
  const { meeting } = ctx;
  if (meeting.phase === "closed") return "The meeting has ended: there is nothing to override.";
  if (meeting.phase === "bidding") return "No bid is waiting to be accepted.";
  if (meeting.round && !meeting.round.current) return "Everyone has spoken in this round: N moves on.";
  return "This step has no key override.";
}

function signalButton(ctx, signal) {
  if (ctx.meeting.phase === "closed") return "The meeting has ended: signals are no longer taken.";
  if (signalsHiddenFor(ctx.meeting, ctx.you.id)) return "You have hidden the signals while you present.";
  const held = whyNotSendable(ctx, signal.kind);
  if (held) return held;
  return first(`#signals [data-command="send_signal"][data-key="signal:${signal.kind}"]`)
    || "This signal cannot be sent just now.";
}

const STEERING = [
  { key: "n", shown: "N", does: "Next step", find: nextStep },
  { key: "b", shown: "B", does: "Back a step", find: back },
  { key: "t", shown: "T", does: "Pause or resume the main timer", find: timerSwitch },
  { key: "s", shown: "S", does: "Next speaker: the turn, or the floor, passes on", find: nextSpeaker },
  { key: "o", shown: "O", does: "This step's key override", find: keyOverride },
];

function signalling(ctx) {
  return ctx.guide.signals.slice(0, 9).map((signal, index) => ({
    key: String(index + 1),
    shown: String(index + 1),
    does: `Signal: ${signal.label}`,
    find: (c) => signalButton(c, signal),
    says: () => `Signal: ${signal.label}.`,
    named: () => "", // its row says it all; the button's name also holds its count
  }));
}

const HELP = { key: "?", shown: "?", does: "Show this list (Escape closes it)" };

// Only what this person's role may do: facilitators steer, members signal, everyone may ask.
export function shortcutsFor(ctx) {
  if (ctx.isFacilitator) return [...STEERING, HELP];
  if (ctx.you.role === "member") return [...signalling(ctx), HELP];
  return [HELP];
}

// What each key would do now, or why it would not: the rows of the "?" list.
function rowsFor(ctx) {
  return shortcutsFor(ctx).map((shortcut) => {
    if (!shortcut.find) return { key: shortcut.shown, does: shortcut.does, now: "" };
    const found = shortcut.find(ctx);
    if (typeof found === "string") return { key: shortcut.shown, does: shortcut.does, now: `Not now: ${found}` };
    const name = shortcut.named ? shortcut.named(found) : nameOf(found);
    const now = name && name.toLowerCase() !== shortcut.does.toLowerCase() ? `Now: ${name}` : "";
    return { key: shortcut.shown, does: shortcut.does, now };
  });
}

// A field takes the keys as typing; so does anything else that reads letters (a list box).
function takesTyping(element) {
  return element instanceof Element
    && (element.isContentEditable || element.matches("input, textarea, select"));
}

function onKeyDown(event, current) {
  if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
  if (takesTyping(event.target) || document.querySelector("dialog[open]")) return;
  const ctx = current();
  if (!ctx) return;
  const shortcut = shortcutsFor(ctx).find((s) => s.key === event.key.toLowerCase());
  if (!shortcut) return;
  event.preventDefault();
  if (event.repeat) return; // a key held down acts once
  if (shortcut === HELP) {
    showShortcutHelp(rowsFor(ctx));
    return;
  }
  const found = shortcut.find(ctx);
  if (typeof found === "string") {
    announce(found, { keep: true });
    return;
  }
  // Said first, and kept ahead of the news the press causes, which may follow at once.
  announce(shortcut.says ? shortcut.says(found) : `${nameOf(found)}.`, { keep: true });
  found.click();
}

export function wireShortcuts(current) {
  document.addEventListener("keydown", (event) => onKeyDown(event, current));
  // The same list from a button, for whoever does not know to press "?".
  document.getElementById("show-shortcuts").addEventListener("click", () => {
    const ctx = current();
    if (ctx) showShortcutHelp(rowsFor(ctx));
  });
}

// After each render: the buttons a key presses now say so (aria-keyshortcuts), and an open list
// follows the meeting. Once the whole render is done, the signals included, which come last.
const marked = new Set();

export function renderShortcuts(ctx) {
  queueMicrotask(() => markShortcuts(ctx));
}

function markShortcuts(ctx) {
  for (const button of marked) button.removeAttribute("aria-keyshortcuts");
  marked.clear();
  for (const shortcut of shortcutsFor(ctx)) {
    const found = shortcut.find ? shortcut.find(ctx) : null;
    if (found instanceof Element) {
      found.setAttribute("aria-keyshortcuts", shortcut.shown);
      marked.add(found);
    }
  }
  refreshShortcutHelp(rowsFor(ctx));
}
