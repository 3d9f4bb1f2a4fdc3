// The "Now" card: the phase and its guidance, who speaks and who is next, and the timers.
import { el, fill, setText, show } from "../dom.js";
import { remainingMs, speakers } from "../derive.js";
import { PHASE_LABELS, STAGE_LABELS, TIMER_LABELS } from "../phases.js";

export function renderPhase(ctx) {
  const { meeting, guide } = ctx;
  setText("phase-name", PHASE_LABELS[meeting.phase] || meeting.phase);
  const stage = meeting.phase === "work" && meeting.work ? meeting.work.stage : null;
  show("stage-name", Boolean(stage));
  setText("stage-name", stage ? STAGE_LABELS[stage] : "");
  setText("phase-guidance", (stage ? guide.stages[stage] : guide.phases[meeting.phase]) || "");
  document.body.dataset.phase = meeting.phase;
}

export function renderSpeakers(ctx) {
  const rows = speakers(ctx.meeting);
  show("speakers", rows.length > 0);
  fill("speakers", rows.map(([label, id]) => el("div", {}, [
    el("dt", { text: label }),
    el("dd", { text: id ? ctx.nameOf(id) + (id === ctx.you.id ? " (you)" : "") : "—", attrs: { "data-role": label } }),
  ])));
}

export function formatRemaining(ms) {
  const over = ms <= 0 && ms !== null;
  const seconds = over ? Math.floor(-ms / 1000) : Math.ceil(ms / 1000);
  const text = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  return over && seconds > 0 ? `${text} over` : text;
}

// Milliseconds until a running timer's displayed second next changes.
export function untilNextChange(ms) {
  return ms > 0 ? ((ms - 1) % 1000) + 1 : 1000 - (-ms % 1000);
}

// The timer that matters most now comes first and is shown larger.
const PRIORITY = ["silence", "speaker", "phase", "meeting"];

const timersByPriority = (meeting) => Object.keys(meeting.timers)
  .sort((a, b) => PRIORITY.indexOf(a) - PRIORITY.indexOf(b));

// The name of the timer shown first (a facilitator's T pauses it), or null if none runs.
export const mainTimer = (meeting) => timersByPriority(meeting)[0] || null;

// A redraw runs a little after the moment it was asked for, never before: a few milliseconds on an
// idle machine, more on a busy phone. Drawn as the time stands when it runs, a countdown would go
// on showing the second just ended, one more than is left, until then. So each countdown is drawn
// as it will stand this much later, which also asks for its redraw this much before the second
// turns over: it turns at most this early, and never late unless the browser is later still.
const DRAWN_AHEAD_MS = 25;

export function renderTimers(ctx) {
  const names = timersByPriority(ctx.meeting);
  fill("timers", names.map((name, index) => el("li", {
    className: index === 0 ? "timer primary" : "timer",
    attrs: { "data-timer": name },
  }, [
    el("span", { text: TIMER_LABELS[name] || name, className: "timer-label" }),
    el("span", { className: "timer-value" }),
  ])));
  return tickTimers(ctx);
}

// Rewrite only the numbers. Returns how long until one of them next changes (Infinity if none runs).
export function tickTimers(ctx) {
  const now = ctx.serverNow() + DRAWN_AHEAD_MS;
  let soonest = Infinity;
  for (const item of document.querySelectorAll("#timers [data-timer]")) {
    const timer = ctx.meeting.timers[item.dataset.timer];
    if (!timer) continue;
    const left = remainingMs(timer, now);
    const paused = timer.deadline_ms === null;
    item.classList.toggle("over", left <= 0);
    const value = item.querySelector(".timer-value");
    const text = `${formatRemaining(left)}${paused ? " (paused)" : ""}`;
    if (value.textContent !== text) value.textContent = text;
    if (!paused) soonest = Math.min(soonest, untilNextChange(left));
  }
  return soonest;
}
