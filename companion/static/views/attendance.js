// Who attended which meeting, in the Set panel. A facilitator sees everyone: a table with a row
// per person and a column per meeting, newest first, scrolling sideways inside its own labelled
// region so a side panel of 280 px holds it. A member or observer sees only their own line, and
// how many meetings they came to. Each cell says "attended" or "absent" to screen readers and
// shows a compact mark to the eye. Read-only, filled from GET /api/sets/<id>/attendance.
import { el, fill, setText, show } from "../dom.js";

const COLUMN_DATE = { day: "numeric", month: "short", year: "2-digit" };
const meetingsText = (count) => `${count} meeting${count === 1 ? "" : "s"}`;

function cell(attended) {
  return el("td", { className: attended ? "attended" : "absent" }, [
    el("span", { text: attended ? "●" : "–", attrs: { "aria-hidden": "true" } }),
    el("span", { text: attended ? "attended" : "absent", className: "visually-hidden" }),
  ]);
}

function row(person, meetings) {
  const came = new Set(person.attended);
  const name = person.status === "removed" ? `${person.name} (removed)` : person.name;
  return el("tr", {}, [
    el("th", { text: name, attrs: { scope: "row" } }),
    ...meetings.map((meeting) => cell(came.has(meeting.id))),
  ]);
}

function tableOf(table, dateText) {
  const header = el("tr", {}, [
    el("th", { text: "Who", attrs: { scope: "col" } }),
    ...table.meetings.map((meeting) => el("th", {
      text: dateText(meeting.started_ms, COLUMN_DATE), attrs: { scope: "col" },
    })),
  ]);
  return el("table", { className: "attendance-table" }, [
    el("thead", {}, [header]),
    el("tbody", {}, table.people.map((person) => row(person, table.meetings))),
  ]);
}

// `dateText(ms, options)` writes a date in the viewer's locale, as the past meetings do.
export function renderAttendance(table, dateText) {
  const ended = table.meetings.length;
  show("attendance-card", ended > 0);
  if (!ended) return;
  const own = table.whole ? null : table.people[0];
  const came = own ? table.meetings.filter((meeting) => own.attended.includes(meeting.id)).length : 0;
  setText("attendance-own", own ? `Your attendance: ${came} of ${meetingsText(ended)}.` : "");
  setText("attendance-help", table.whole
    ? "Who came to each meeting. Only facilitators see everyone's line."
    : "Only you and the set's facilitators see your line.");
  fill("attendance-scroll", [tableOf(table, dateText)]);
}
