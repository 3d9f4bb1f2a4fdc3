// The set's past, in the Set panel: its ended meetings, newest first, each a disclosure with its
// date, who attended, the presenters (if the set keeps them), how the time went and its actions;
// the actions across meetings with their report-back; and the viewer's own private learnings.
// Read-only: nothing here sends a command. Fetched over HTTP when the Set panel is shown, and again
// once a meeting ends, since the past changes only then. Each disclosure keeps its state, open or
// closed, across re-renders, reconnects and reloads of this browser tab.
import { getWithToken } from "../api.js";
import { byId, el, fill, setText, show } from "../dom.js";
import { PHASE_LABELS } from "../phases.js";
import { displayLocale } from "../teams.js";
import { renderAttendance } from "./attendance.js";
import { REPORT_STATUS_LABELS } from "./reports.js";
import { minutesText } from "./summary.js";

const OPEN_KEPT = "companion:past-open";
const HELD = { dateStyle: "medium", timeStyle: "short" }; // two meetings on one day stay apart
let wanted = null; // what should be on screen: this meeting, whether it has ended, what is kept
let shown = null; // what is
let loading = false;
let failed = false; // the last fetch did not come back: tried again when the panel is next shown
let session = null; // { setId, token }

function keptOpen() {
  try {
    return new Set(JSON.parse(window.sessionStorage.getItem(OPEN_KEPT) || "[]"));
  } catch {
    return new Set(); // storage blocked: open disclosures still stay open while the page lives
  }
}

function keepOpen(meetingId, open) {
  const ids = keptOpen();
  if (open) ids.add(meetingId);
  else ids.delete(meetingId);
  try {
    window.sessionStorage.setItem(OPEN_KEPT, JSON.stringify([...ids]));
  } catch {
    // nothing to do: the page keeps it until it is reloaded
  }
}

function dateText(ms, options = { dateStyle: "medium" }) {
  try {
    return new Intl.DateTimeFormat(displayLocale(), options).format(new Date(ms));
  } catch {
    return new Intl.DateTimeFormat(undefined, options).format(new Date(ms)); // a locale tag unknown here
  }
}

const namesText = (people) => people.map((person) => person.name).join(", ") || "Nobody";

function presentersPart(meeting, keepsPresenters) {
  if (!keepsPresenters) return [];
  const items = meeting.presenters.map((presenter) => el("li", {
    text: presenter.title ? `${presenter.name}: “${presenter.title}”` : presenter.name,
  }));
  return [
    el("h3", { text: "Presenters" }),
    items.length ? el("ul", {}, items) : el("p", { text: "Nobody presented.", className: "hint" }),
  ];
}

function timePart(meeting) {
  const { summary } = meeting;
  const presenter = new Map(meeting.presenters.map((p) => [p.id, p.name]));
  const rows = summary.phases.map((row) => {
    const name = PHASE_LABELS[row.phase] || row.phase;
    const label = row.presenter && presenter.has(row.presenter) ? `${name}: ${presenter.get(row.presenter)}` : name;
    return el("li", { text: `${label}, ${minutesText(row.seconds)}` });
  });
  return [el("h3", { text: `How the time went (${minutesText(summary.total_seconds)})` }), el("ul", {}, rows)];
}

function actionItem(action, { withMeeting = false } = {}) {
  const status = REPORT_STATUS_LABELS[action.status] || action.status;
  const from = withMeeting && action.meeting_started_ms ? `, ${dateText(action.meeting_started_ms)}` : "";
  return el("li", { className: "item report" }, [
    el("span", { text: action.text, className: "report-text" }),
    el("span", { text: `${action.owner_name || "Someone"}${from}: ${status}`, className: "report-status" }),
    ...(action.reflection ? [el("span", { text: `“${action.reflection}”`, className: "report-reflection" })] : []),
  ]);
}

function meetingItem(meeting, keepsPresenters, openIds) {
  const details = el("details", { className: "prompts", attrs: { "data-key": `past:${meeting.id}` } }, [
    // Keyed, so a keyboard user on it keeps the focus when a fresh fetch redraws the list.
    el("summary", { text: dateText(meeting.started_ms, HELD), attrs: { "data-key": `past:${meeting.id}:summary` } }),
    el("p", { text: `Attended: ${namesText(meeting.attended)}` }),
    ...presentersPart(meeting, keepsPresenters),
    ...timePart(meeting),
    el("h3", { text: "Actions" }),
    meeting.actions.length
      ? el("ul", { className: "items reports" }, meeting.actions.map((action) => actionItem(action)))
      : el("p", { text: "No actions named.", className: "hint" }),
  ]);
  details.open = openIds.has(meeting.id);
  details.addEventListener("toggle", () => keepOpen(meeting.id, details.open));
  return el("li", {}, [details]);
}

function renderPast(past) {
  const ended = past.meetings.filter((meeting) => meeting.phase === "closed" && meeting.summary);
  const openIds = keptOpen();
  show("past-empty", ended.length === 0);
  show("past-no-presenters", !past.record_presenters && ended.length > 0);
  fill("past-list", ended.map((meeting) => meetingItem(meeting, past.record_presenters, openIds)));
  show("past-actions-empty", past.actions.length === 0);
  fill("past-actions", past.actions.map((action) => actionItem(action, { withMeeting: true })));
  show("past-learnings-block", past.learnings.length > 0);
  fill("past-learnings", past.learnings.map((item) => el("li", { text: item.text })));
}

const setPanelShown = () => !byId("panel-set").hidden;

async function load() {
  const key = wanted;
  loading = true;
  const base = `/api/sets/${encodeURIComponent(session.setId)}`;
  try {
    const [past, attendance] = await Promise.all([
      getWithToken(`${base}/history`, session.token),
      getWithToken(`${base}/attendance`, session.token),
    ]);
    renderPast(past);
    renderAttendance(attendance, dateText);
    setText("past-status", "");
    failed = false;
  } catch (error) {
    setText("past-status", error.message);
    failed = true;
  } finally {
    shown = key; // either way: no loop of requests while the server cannot answer
    loading = false;
  }
  refreshIfDue();
}

function refreshIfDue() {
  if (wanted !== null && wanted !== shown && !loading && session && setPanelShown()) load();
}

// A region like any other: it asks for the set's past only when what it shows is out of date,
// which is when another meeting is on, this one has ended, or the set changed what it keeps.
export function renderPastMeetings(ctx) {
  const { meeting } = ctx;
  session = { setId: ctx.setId, token: ctx.token };
  wanted = [meeting.id, meeting.phase === "closed", meeting.record_presenters].join(":");
  refreshIfDue();
}

function panelToggled() {
  if (failed && setPanelShown()) shown = null;
  refreshIfDue();
}

// The Set panel hidden behind a tab (narrow screens): fetch when it comes into view.
export function wirePastMeetings() {
  new MutationObserver(panelToggled).observe(byId("panel-set"), { attributes: true, attributeFilter: ["hidden"] });
}
