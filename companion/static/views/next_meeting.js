// The set's next meeting: when it is, in this viewer's own time zone and words, and a calendar file
// for anyone to take away; for facilitators, a form to set it, change it or take it away. The
// snapshot carries the plan (`meeting.next_meeting`); changes are HTTP requests with the person's
// own token, and the server sends every widget of the set the new snapshot.
import { deleteWithToken, getWithToken, putJsonWithToken } from "../api.js";
import { byId, setText, show } from "../dom.js";
import { downloadWithToken } from "../download.js";
import { displayLocale } from "../teams.js";

const MINUTE_MS = 60 * 1000;
// The form's fields, by the server's words for what was wrong, so the error points at its cause.
const FIELD_OF_ERROR = {
  bad_time_zone: "next-date-zone",
  bad_length: "next-date-minutes",
  date_in_past: "next-date-day",
  date_too_far: "next-date-day",
  time_skipped: "next-date-time",
  invalid_input: "next-date-day",
};
const FIELDS = ["next-date-day", "next-date-time", "next-date-minutes", "next-date-zone"];

let wired = null; // what the form's handlers need: the set, the token, the plan on screen

export const viewerZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

function formatter(options) {
  try {
    return new Intl.DateTimeFormat(displayLocale(), options);
  } catch {
    return new Intl.DateTimeFormat(undefined, options); // a locale tag this browser does not know
  }
}

function lengthText(minutes) {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const parts = [];
  if (hours) parts.push(hours === 1 ? "1 hour" : `${hours} hours`);
  if (rest) parts.push(rest === 1 ? "1 minute" : `${rest} minutes`);
  return parts.join(" ");
}

// "Tuesday 12 January 2027, 10:00–12:00", on this viewer's clock.
function whenText(plan) {
  const format = formatter({ dateStyle: "full", timeStyle: "short" });
  return format.formatRange(new Date(plan.starts_at_ms), new Date(plan.ends_at_ms));
}

// The start on the clock it was planned on, when that reads differently from the viewer's own.
function plannedText(plan) {
  const options = { dateStyle: "full", timeStyle: "short" };
  const start = new Date(plan.starts_at_ms);
  let there;
  try {
    there = formatter({ ...options, timeZone: plan.time_zone }).format(start);
  } catch {
    return ""; // a zone this browser does not know: the viewer's own time is still right
  }
  if (there === formatter(options).format(start)) return "";
  return `Planned as ${there}, ${plan.time_zone} time.`;
}

export function nextMeetingSentence(plan) {
  if (!plan) return "";
  return `Next meeting: ${formatter({ dateStyle: "full", timeStyle: "short" }).format(new Date(plan.starts_at_ms))}.`;
}

// A date set, moved or taken away is news to everyone in the set.
export function nextMeetingNews(previous, meeting) {
  const key = (m) => (m.next_meeting ? `${m.next_meeting.starts_at_ms}:${m.next_meeting.minutes}` : "");
  if (key(previous) === key(meeting)) return "";
  return meeting.next_meeting ? nextMeetingSentence(meeting.next_meeting) : "The date for the next meeting was taken away.";
}

export function renderNextMeeting(ctx) {
  const plan = ctx.meeting.next_meeting;
  wired = { setId: ctx.setId, token: ctx.token, plan };
  const passed = Boolean(plan) && plan.starts_at_ms <= ctx.serverNow();
  show("next-date-when", Boolean(plan));
  show("next-date-details", Boolean(plan));
  show("next-date-none", !plan);
  show("next-date-download", Boolean(plan));
  if (plan) {
    setText("next-date-when", whenText(plan));
    setText("next-date-length", `Lasts ${lengthText(plan.minutes)}.${passed ? " This date has passed." : ""}`);
    setText("next-date-zone-note", plannedText(plan) || `Shown in your time zone, ${viewerZone()}.`);
  }
  setText("next-date-none", ctx.isFacilitator ? "No date is set yet. Set one below." : "No date is set yet.");
  show("next-date-editor", ctx.isFacilitator);
  show("next-date-remove", Boolean(plan));
  setText("next-date-editor-summary", plan ? "Change the next meeting" : "Set the next meeting");
  // On the first screen, once the meeting has ended: when everyone meets again.
  const line = ctx.meeting.phase === "closed" && !passed ? nextMeetingSentence(plan) : "";
  setText("next-date-line", line);
  show("next-date-line", Boolean(line));
}

// --- The calendar file, for anyone ---------------------------------------------------------------

async function downloadCalendar() {
  const status = byId("next-date-status");
  const { setId, token, plan } = wired;
  const name = `next-meeting-${plan.local_start.slice(0, 10)}.ics`;
  status.textContent = "Preparing the calendar file…";
  try {
    await downloadWithToken(`/api/sets/${encodeURIComponent(setId)}/next-meeting.ics`, token, name);
    status.textContent = `${name} is in your downloads. Open it to add the meeting to your calendar.`;
  } catch (error) {
    status.textContent = error.message;
  }
}

// --- The facilitators' form --------------------------------------------------------------------

function fillZones() {
  const list = byId("next-date-zones");
  if (list.options.length || typeof Intl.supportedValuesOf !== "function") return;
  const zones = new Set(Intl.supportedValuesOf("timeZone"));
  zones.add("UTC");
  list.append(...[...zones].sort().map((zone) => Object.assign(document.createElement("option"), { value: zone })));
}

// Opened, the form shows the plan as it stands (or a fresh one on this browser's clock), and
// whether the file carries the invite, which only facilitators are told.
async function prefill() {
  const form = byId("next-date-form");
  const { setId, token, plan } = wired;
  fillZones();
  clearError();
  form.day.value = plan ? plan.local_start.slice(0, 10) : "";
  form.time.value = plan ? plan.local_start.slice(11, 16) : "";
  form.minutes.value = plan ? String(plan.minutes) : form.minutes.defaultValue;
  form.time_zone.value = plan ? plan.time_zone : viewerZone();
  form.include_invite.checked = false;
  if (!plan) return;
  try {
    const answer = await getWithToken(`/api/sets/${encodeURIComponent(setId)}/next-meeting`, token);
    form.include_invite.checked = Boolean(answer.next_meeting && answer.next_meeting.include_invite);
  } catch (error) {
    showError(error.message);
  }
}

function clearError() {
  setText("next-date-error", "");
  for (const id of FIELDS) byId(id).removeAttribute("aria-invalid");
}

// Said at once (the error is an alert), and the field at fault is marked and focused.
function showError(message, field = "") {
  setText("next-date-error", message);
  if (!field) return;
  byId(field).setAttribute("aria-invalid", "true");
  byId(field).focus();
}

async function save(event) {
  event.preventDefault();
  const form = event.target;
  const { setId, token } = wired;
  clearError();
  if (!form.day.value || !form.time.value) {
    showError("Choose a date and a start time.", form.day.value ? "next-date-time" : "next-date-day");
    return;
  }
  const body = {
    local_start: `${form.day.value}T${form.time.value.slice(0, 5)}`,
    time_zone: form.time_zone.value.trim(),
    minutes: Number(form.minutes.value),
    include_invite: form.include_invite.checked,
  };
  if (!form.minutes.value || !Number.isInteger(body.minutes)) {
    showError("Give the length as a whole number of minutes.", "next-date-minutes");
    return;
  }
  await sending(form, "Saving…", async () => {
    await putJsonWithToken(`/api/sets/${encodeURIComponent(setId)}/next-meeting`, token, body);
    return "Saved. Everyone in the set now sees the new date.";
  });
}

async function remove() {
  const { setId, token } = wired;
  if (!window.confirm("Take away the date of the next meeting? Calendars that have it keep it.")) return;
  await sending(byId("next-date-form"), "Removing…", async () => {
    await deleteWithToken(`/api/sets/${encodeURIComponent(setId)}/next-meeting`, token);
    return "The date has been taken away.";
  });
}

async function sending(form, doing, request) {
  const buttons = [...form.querySelectorAll("button")];
  const status = byId("next-date-form-status");
  buttons.forEach((button) => { button.disabled = true; });
  status.textContent = doing;
  try {
    status.textContent = await request();
  } catch (error) {
    status.textContent = "";
    showError(error.message, FIELD_OF_ERROR[error.code]);
  } finally {
    buttons.forEach((button) => { button.disabled = false; });
  }
}

export function wireNextMeeting() {
  byId("next-date-download").addEventListener("click", () => { if (wired) downloadCalendar(); });
  byId("next-date-editor").addEventListener("toggle", (event) => {
    if (event.target.open && wired) prefill();
  });
  byId("next-date-form").addEventListener("submit", (event) => { if (wired) save(event); else event.preventDefault(); });
  byId("next-date-remove").addEventListener("click", () => { if (wired) remove(); });
}
