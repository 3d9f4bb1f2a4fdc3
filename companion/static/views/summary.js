// The meeting's summary, once it has closed: how long each part took, and what each presenter
// said they would do. An issue's title is there only if its presenter chose to share it.
import { el, fill, setText, show } from "../dom.js";
import { PHASE_LABELS } from "../phases.js";
import { displayLocale } from "../teams.js";

export function minutesText(seconds) {
  return seconds < 60 ? "under a minute" : `${Math.round(seconds / 60)} min`;
}

function phaseRow(ctx, row) {
  const name = PHASE_LABELS[row.phase] || row.phase;
  const label = row.presenter ? `${name}: ${ctx.nameOf(row.presenter)}` : name;
  return el("li", { className: "item" }, [
    el("span", { text: label }),
    el("span", { text: minutesText(row.seconds), className: "person-detail" }),
  ]);
}

function presenterItem(ctx, presenter) {
  const actions = presenter.actions.length
    ? el("ul", {}, presenter.actions.map((text) => el("li", { text })))
    : el("p", { text: "No actions named.", className: "hint" });
  return el("li", { className: "summary-presenter" }, [
    el("p", { text: ctx.nameOf(presenter.presenter), className: "person-name" }),
    ...(presenter.title ? [el("p", { text: `“${presenter.title}”`, className: "summary-title" })] : []),
    actions,
  ]);
}

// When it was held, in the reader's locale (Teams' own when the widget runs there).
function heldText(summary) {
  if (summary.started_ms == null) return "";
  const start = new Date(summary.started_ms);
  const end = new Date(summary.ended_ms);
  const options = { dateStyle: "full", timeStyle: "short" };
  let format;
  try {
    format = new Intl.DateTimeFormat(displayLocale(), options);
  } catch {
    format = new Intl.DateTimeFormat(undefined, options); // a locale tag this browser does not know
  }
  return `Held ${format.formatRange(start, end)}.`;
}

export function renderSummary(ctx) {
  const { summary } = ctx.meeting;
  show("summary-card", Boolean(summary));
  if (!summary) return;
  setText("summary-held", heldText(summary));
  setText("summary-total", `The meeting took ${minutesText(summary.total_seconds)}.`);
  fill("summary-phases", summary.phases.map((row) => phaseRow(ctx, row)));
  show("summary-no-presenters", summary.presenters.length === 0);
  fill("summary-presenters", summary.presenters.map((presenter) => presenterItem(ctx, presenter)));
}
