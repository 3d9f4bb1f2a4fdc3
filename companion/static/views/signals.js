// The signals bar. Members send with one tap or key press; everyone sees how many people's signals
// of each kind still count. Nothing here, or in what the server sends, says who sent one.
// Facilitators also see when several people send the same one, and may switch kinds off, clear
// the counts or change how long a signal counts. A presenter may hide the bar from themselves.
import { byId, el, fill, setText, show } from "../dom.js";
import { isPresenting, liveSignalCount, severalSignalled, windowText } from "../derive.js";
import { icon } from "../icons.js";
import { followMeeting, keepYours, yours } from "../sent_signals.js";
import { untilNextChange } from "./now.js";

const HIDE_KEY = "companion.hideSignalsWhilePresenting";
const OFF_MESSAGE = "The facilitator has switched this signal off for now.";

// `yours`: this person's own signals that still count (sent_signals.js, which says why they are
// kept on this device). For the buttons' sake: the server counts each person once per kind, and
// this says so before it has to.

// What the activity log can say that ends a signal's count before it fades: for each action,
// whether it touches `kind`.
const ENDS_COUNT = {
  signals_cleared: (detail, kind) => detail === null || detail === kind,
  signal_off: (detail, kind) => detail === kind,
  signal_window_set: () => true,
};

// Each state a signal can be in besides plain: [visible word(s), what a screen reader hears]. The
// countdown is visible only: a focused button whose name changed every second would be re-read.
const STATES = {
  off: () => ["Off", "switched off"],
  sent: (seconds) => [`Sent · ${seconds}\u00a0s`, "sent: yours still counts"],
  several: () => ["Several", "several people"],
};

// The presenter's choice, kept on this device: read once as the page opens.
let hideWhilePresenting = storedHiding();

function storedHiding() {
  try {
    return window.localStorage.getItem(HIDE_KEY) === "1";
  } catch {
    return false; // storage refused (a private window): the signals stay in view
  }
}

function storeHiding(hide) {
  try {
    if (hide) window.localStorage.setItem(HIDE_KEY, "1");
    else window.localStorage.removeItem(HIDE_KEY);
  } catch {
    // Refused: the choice still holds until the page is closed.
  }
}

// The choice is this device's alone, so it redraws the widget without waiting for a snapshot.
export function wireSignalChoices(redraw) {
  byId("hide-signals").addEventListener("change", (event) => {
    hideWhilePresenting = event.target.checked;
    storeHiding(hideWhilePresenting);
    redraw();
  });
}

export function signalsHiddenFor(meeting, youId) {
  return hideWhilePresenting && isPresenting(meeting, youId);
}

// A status line that is spoken each time, even when it repeats the last one: emptied first, and
// written after a pause, as the announcer does.
let pendingStatus = null;

export function tellSignalStatus(text) {
  const status = byId("signal-status");
  window.clearTimeout(pendingStatus);
  status.textContent = "";
  if (text) pendingStatus = window.setTimeout(() => { status.textContent = text; }, 50);
}

// The server said yes: from now until it fades, this person's signal of `kind` counts.
export function noteSignalSent(ctx, kind, version) {
  const windowMs = ctx.meeting.signal_settings.window_seconds * 1000;
  const mine = { fadesAt: ctx.serverNow() + windowMs, version, exact: false };
  settle(ctx, kind, mine);
  yours.set(kind, mine);
  keepYours();
}

// The snapshot our signal made holds its exact fade time: the latest of its kind, ours being the
// change that made it. Until that snapshot is seen (it may come before the server's yes, or never,
// after a gap), the estimate stands, and is matched loosely.
const MATCHED_WITHIN_MS = 3000;

function settle(ctx, kind, mine) {
  const fades = ctx.meeting.signals[kind] || [];
  if (mine.exact || ctx.version !== mine.version || !fades.length) return false;
  Object.assign(mine, { fadesAt: Math.max(...fades), exact: true });
  return true;
}

// Cleared, switched off or restarted by a new window, a kind's fade times go from the snapshot:
// ours is no longer among them, even if others have signalled since, and even once the activity
// saying so has scrolled out of the snapshot (a page reloaded long after, say).
function stillCounted(ctx, kind, mine) {
  const fades = ctx.meeting.signals[kind] || [];
  return fades.some((fadesAt) => (mine.exact ? fadesAt === mine.fadesAt
    : Math.abs(fadesAt - mine.fadesAt) <= MATCHED_WITHIN_MS));
}

// Why pressing `kind` would not count now, or "" if it would.
export function whyNotSendable(ctx, kind) {
  if (ctx.meeting.signal_settings.off.includes(kind)) return OFF_MESSAGE;
  const mine = yours.get(kind);
  if (!mine) return "";
  const seconds = Math.max(1, Math.ceil((mine.fadesAt - ctx.serverNow()) / 1000));
  return `Your signal still counts for ${seconds} s; you can send it again once it fades.`;
}

function forgetEnded(ctx, now) {
  let changed = false;
  for (const [kind, mine] of yours) {
    changed = settle(ctx, kind, mine) || changed;
    const counted = ctx.version >= mine.version; // the snapshot counting it has arrived
    const faded = mine.fadesAt <= now || (counted && !stillCounted(ctx, kind, mine));
    const ended = ctx.meeting.activity.some(
      (entry) => entry.version > mine.version && ENDS_COUNT[entry.action]?.(entry.detail, kind),
    );
    if (faded || ended) {
      yours.delete(kind);
      changed = true;
    }
  }
  if (changed) keepYours();
}

function signalContent(signal) {
  return [
    icon(signal.kind),
    el("span", { className: "signal-text" }, [
      el("span", { text: signal.label, className: "signal-label" }),
      el("span", { className: "signal-count", attrs: { hidden: "" } }, [
        el("span", { text: ", recently: ", className: "visually-hidden" }),
        el("span", { className: "signal-number", attrs: { "data-count-for": signal.kind } }),
      ]),
      el("span", { className: "signal-state", attrs: { hidden: "" } }, [
        el("span", { className: "signal-state-shown", attrs: { "aria-hidden": "true" } }),
        el("span", { className: "signal-state-spoken visually-hidden" }),
      ]),
    ]),
  ];
}

function signalItem(signal, canSend) {
  const content = signalContent(signal);
  return el("li", { className: "signal", attrs: { "data-kind": signal.kind } }, [
    canSend
      ? el("button", {
        className: "signal-button",
        attrs: {
          type: "button", "data-command": "send_signal", "data-args": JSON.stringify({ kind: signal.kind }),
          "data-key": `signal:${signal.kind}`, title: signal.meaning,
        },
      }, content)
      : el("span", { className: "signal-static" }, content),
  ]);
}

let builtFor = "";

// Rebuilt only when who may send changes; counts and states are rewritten in place by tickSignals.
export function renderSignals(ctx) {
  const canSend = ctx.you.role === "member" && ctx.meeting.phase !== "closed";
  followMeeting(ctx.meeting.id);
  if (!canSend && yours.size) {
    yours.clear();
    keepYours();
  }
  if (`${canSend}` !== builtFor) {
    builtFor = `${canSend}`;
    fill("signals", ctx.guide.signals.map((signal) => signalItem(signal, canSend)));
  }
  const { window_seconds: seconds } = ctx.meeting.signal_settings;
  // A no-break space: "60" and "s" never part at the end of a line.
  const fade = windowText(seconds).replace(" ", "\u00a0");
  setText("signals-help", `Anonymous, even to the facilitator. Counts fade after ${fade}.`);
  const hidden = signalsHiddenFor(ctx.meeting, ctx.you.id);
  show("signals-help", !hidden);
  show("signals", !hidden);
  show("signals-hidden", hidden);
  show("hide-signals-choice", isPresenting(ctx.meeting, ctx.you.id));
  byId("hide-signals").checked = hideWhilePresenting;
  renderSignalSettings(ctx);
  return tickSignals(ctx);
}

// Returns how long until a count fades or a "Sent" countdown turns over (Infinity if neither).
export function tickSignals(ctx) {
  const now = ctx.serverNow();
  forgetEnded(ctx, now);
  let soonest = Infinity;
  for (const item of document.querySelectorAll("#signals [data-kind]")) {
    const kind = item.dataset.kind;
    const fades = ctx.meeting.signals[kind] || [];
    const count = liveSignalCount(fades, now);
    showCount(item, count);
    showState(item, stateOf(ctx, kind, now));
    for (const fadesAt of fades) if (fadesAt > now) soonest = Math.min(soonest, fadesAt - now);
    if (yours.has(kind)) soonest = Math.min(soonest, untilNextChange(yours.get(kind).fadesAt - now));
  }
  return soonest;
}

function stateOf(ctx, kind, now) {
  if (ctx.meeting.signal_settings.off.includes(kind)) return ["off"];
  if (yours.has(kind)) return ["sent", Math.ceil((yours.get(kind).fadesAt - now) / 1000)];
  // The highlight is for those who steer: to members, "several" would only add pressure.
  if (ctx.isFacilitator && severalSignalled(ctx.meeting, kind, now)) return ["several"];
  return [""];
}

function showCount(item, count) {
  const number = item.querySelector(".signal-number");
  if (number.textContent !== String(count)) number.textContent = String(count);
  number.parentElement.hidden = count === 0;
  item.classList.toggle("active", count > 0);
}

function showState(item, [state, ...details]) {
  const [shown, spoken] = state ? STATES[state](...details) : ["", ""];
  item.dataset.state = state;
  item.querySelector(".signal-state").hidden = !state;
  const visible = item.querySelector(".signal-state-shown");
  if (visible.textContent !== shown) visible.textContent = shown;
  const heard = item.querySelector(".signal-state-spoken");
  if (heard.textContent !== spoken) heard.textContent = spoken ? `, ${spoken}` : "";
  // aria-disabled, not disabled: the button keeps the keyboard's focus, and pressing it says why.
  const button = item.querySelector("button");
  if (button) button.setAttribute("aria-disabled", String(state === "off" || state === "sent"));
}

// --- The facilitator's signal settings ---------------------------------------------------------

let shownWindow = null;

function renderSignalSettings(ctx) {
  const settable = ctx.isFacilitator && ctx.meeting.phase !== "closed";
  show("signal-settings", settable);
  if (!settable) return;
  const { off, window_seconds: seconds } = ctx.meeting.signal_settings;
  // Built once: the kinds never change during a meeting, and the boxes keep focus across snapshots.
  if (!byId("signal-switches").childElementCount) {
    fill("signal-switches", ctx.guide.signals.map((signal) => el("li", { className: "check" }, [
      el("input", {
        attrs: {
          type: "checkbox", id: `switch-${signal.kind}`, "data-command": "switch_signal",
          "data-args": JSON.stringify({ kind: signal.kind }),
        },
      }),
      el("label", { text: signal.label, attrs: { for: `switch-${signal.kind}` } }),
    ])));
  }
  // Set on every render, so a box ticked but refused goes back to what the meeting holds.
  for (const signal of ctx.guide.signals) byId(`switch-${signal.kind}`).checked = !off.includes(signal.kind);
  // Only a new window replaces the field, so a number being typed is not wiped by a snapshot.
  if (seconds !== shownWindow) {
    shownWindow = seconds;
    byId("signal-window").value = String(seconds);
  }
}
