// Reporting back at the check-in: what became of the actions each member named at earlier
// meetings. Everyone sees the speaker's; each member reports on their own, with a word for how it
// went and a short reflection.
import { byId, el, fill, setText, show } from "../dom.js";

export const REPORT_STATUS_LABELS = {
  open: "Not reported yet",
  done: "Done",
  in_progress: "In progress",
  changed: "Changed",
  dropped: "Dropped",
};
const REPORTABLE = ["done", "in_progress", "changed", "dropped"];
export const REFLECTION_MAX = 280;

const reportsOf = (meeting, ownerId) => (meeting.report_back || []).filter((a) => a.owner === ownerId);
const checkingIn = (meeting) => meeting.phase === "check_in";

function reportItem(action) {
  return el("li", { className: "item report" }, [
    el("span", { text: action.text, className: "report-text" }),
    el("span", { text: REPORT_STATUS_LABELS[action.status] || action.status, className: "report-status" }),
    ...(action.reflection ? [el("span", { text: `“${action.reflection}”`, className: "report-reflection" })] : []),
  ]);
}

// The speaker's actions, under the speaking order, while they check in.
function renderSpeakerReports(ctx) {
  const { meeting } = ctx;
  const speaker = checkingIn(meeting) && meeting.round ? meeting.round.current : null;
  const actions = speaker ? reportsOf(meeting, speaker) : [];
  show("speaker-reports-block", actions.length > 0);
  if (!actions.length) return;
  const name = speaker === ctx.you.id ? "Your" : `${ctx.nameOf(speaker)}'s`;
  setText("speaker-reports-heading", `${name} actions from last time`);
  fill("speaker-reports", actions.map(reportItem));
}

function statusSelect(action) {
  const chosen = REPORTABLE.includes(action.status) ? action.status : "done";
  return el("select", { attrs: { id: `report-status-${action.id}`, name: "status", "data-key": `report-status:${action.id}` } },
    REPORTABLE.map((value) => {
      const option = el("option", { text: REPORT_STATUS_LABELS[value], attrs: { value } });
      option.selected = value === chosen;
      return option;
    }));
}

function reportForm(action) {
  const reflection = el("textarea", {
    attrs: {
      id: `report-reflection-${action.id}`, name: "reflection", rows: "2", maxlength: String(REFLECTION_MAX),
      "data-key": `report-reflection:${action.id}`,
    },
  });
  reflection.value = action.reflection || "";
  return el("li", { className: "report", attrs: { "data-report": action.id } }, [
    el("p", { text: action.text, className: "report-text", attrs: { id: `report-text-${action.id}` } }),
    el("p", { className: "report-status", attrs: { "data-status-of": action.id } }),
    el("form", { className: "stack report-form", attrs: { novalidate: "", "data-action-id": action.id, "aria-labelledby": `report-text-${action.id}` } }, [
      el("label", { text: "How it went", attrs: { for: `report-status-${action.id}` } }),
      statusSelect(action),
      el("label", { attrs: { for: `report-reflection-${action.id}` } }, [
        "A short reflection ", el("span", { text: `(optional, up to ${REFLECTION_MAX} characters)`, className: "hint" }),
      ]),
      reflection,
      el("button", { text: "Save", className: "secondary", attrs: { type: "submit", "aria-label": `Save your report: ${action.text}` } }),
    ]),
  ]);
}

// Built once for a given set of actions, so a snapshot never wipes a reflection being typed;
// only the line saying what has been reported is rewritten.
let formsBuiltFor = "";

function renderYourReports(ctx) {
  const mine = ctx.you.role === "member" || ctx.isFacilitator ? reportsOf(ctx.meeting, ctx.you.id) : [];
  const visible = checkingIn(ctx.meeting) && mine.length > 0;
  show("your-reports", visible);
  if (!visible) return;
  const ids = mine.map((action) => action.id).join(" ");
  if (ids !== formsBuiltFor) {
    formsBuiltFor = ids;
    fill("your-report-forms", mine.map(reportForm));
  }
  for (const action of mine) {
    const line = byId("your-report-forms").querySelector(`[data-status-of="${action.id}"]`);
    const text = action.status === "open" ? "Not reported yet." : `Reported: ${REPORT_STATUS_LABELS[action.status]}.`;
    if (line.textContent !== text) line.textContent = text;
  }
}

export function renderReports(ctx) {
  renderSpeakerReports(ctx);
  renderYourReports(ctx);
}

// What a report form sends: the command and its arguments.
export function reportCommand(form) {
  return ["report_back", {
    action_id: form.dataset.actionId,
    status: form.status.value,
    reflection: form.reflection.value.trim(),
  }];
}
