// The signals bar. Members send with one tap or key press; everyone sees how many of each kind are
// still counting. Nothing here, or in what the server sends, says who sent one.
import { el, fill } from "../dom.js";
import { liveSignalCount } from "../derive.js";
import { icon } from "../icons.js";

let shownFor = "";

function signalContent(signal) {
  return [
    icon(signal.kind),
    el("span", { text: signal.label, className: "signal-label" }),
    el("span", { className: "signal-count", attrs: { hidden: "" } }, [
      el("span", { text: ", recently: ", className: "visually-hidden" }),
      el("span", { attrs: { "data-count-for": signal.kind } }),
    ]),
  ];
}

// Rebuilt only when who may send changes; counts are rewritten in place by tickSignals.
export function renderSignals(ctx) {
  const canSend = ctx.you.role === "member" && ctx.meeting.phase !== "closed";
  const layout = `${canSend}`;
  if (layout !== shownFor) {
    shownFor = layout;
    fill("signals", ctx.guide.signals.map((signal) => el("li", { className: "signal" }, [
      canSend
        ? el("button", {
          className: "signal-button",
          attrs: {
            type: "button", "data-command": "send_signal", "data-args": JSON.stringify({ kind: signal.kind }),
            "data-key": `signal:${signal.kind}`, title: signal.meaning,
          },
        }, signalContent(signal))
        : el("span", { className: "signal-static" }, signalContent(signal)),
    ])));
  }
  return tickSignals(ctx);
}

// Returns how long until the next count fades (Infinity if none is counting).
export function tickSignals(ctx) {
  const now = ctx.serverNow();
  let soonest = Infinity;
  for (const badge of document.querySelectorAll("#signals [data-count-for]")) {
    const fades = ctx.meeting.signals[badge.dataset.countFor] || [];
    const count = liveSignalCount(fades, now);
    const text = String(count);
    if (badge.textContent !== text) badge.textContent = text;
    badge.parentElement.hidden = count === 0;
    badge.closest(".signal").classList.toggle("active", count > 0);
    for (const fadesAt of fades) if (fadesAt > now) soonest = Math.min(soonest, fadesAt - now);
  }
  return soonest;
}
