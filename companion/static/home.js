// A facilitator's home: every set they facilitate, from the links this device holds and, inside
// Teams, from their sign-in, on any device. Each set says when it meets next, its open actions,
// who waits to join, and opens its meeting or starts the next one with the facilitator's own link.
import { keepingQuery, postJson, postWithToken } from "./api.js";
import { rememberedLinks } from "./devices.js";
import { byId, el } from "./dom.js";
import { PHASE_LABELS } from "./phases.js";
import { displayLocale, followTeams, isFramed, teamsSignIn } from "./teams.js";

// Whether this server recognises people by their Teams sign-in (it says so in the page).
const signInOffered = document.querySelector("meta[name=companion-teams-sign-in]")?.content === "on";

function tell(id, text) {
  const element = byId(id);
  element.textContent = text;
  element.hidden = !text;
}

const plural = (count, one, many) => `${count} ${count === 1 ? one : many}`;

// In the viewer's own zone and locale; the time on the planned zone's clock is given too when
// it reads differently there.
function nextMeetingText(next) {
  if (!next) return "Not planned yet";
  const locale = displayLocale();
  const start = new Date(next.starts_at_ms);
  const when = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "short" }).format(start);
  const text = `${when}, for ${plural(next.minutes, "minute", "minutes")}`;
  const clock = (timeZone) => new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "short", timeZone }).format(start);
  if (clock(next.time_zone) === when) return text;
  const place = next.time_zone.split("/").pop().replaceAll("_", " ");
  return `${text} (${clock(next.time_zone)}, ${place} time)`;
}

function meetingText(meeting) {
  if (!meeting) return "None open";
  if (meeting.open) return `Open now: ${PHASE_LABELS[meeting.phase] || meeting.phase}`;
  return "Ended";
}

// Each term and its value in a group of their own, which the grid lays out as one cell.
function fact(term, value, className = "") {
  return el("div", { className }, [el("dt", { text: term }), el("dd", { text: value })]);
}

// Starts the set's next meeting, then opens it; one started meanwhile (by a co-facilitator, say)
// is simply opened.
async function startMeeting(set, button, status) {
  button.disabled = true;
  status.textContent = "Starting the meeting…";
  try {
    await postWithToken(`/api/sets/${encodeURIComponent(set.set_id)}/meetings`, set.participant_token);
  } catch (error) {
    if (error.code !== "meeting_open") {
      status.textContent = error.message;
      button.disabled = false;
      return;
    }
  }
  status.textContent = "Opening the meeting…";
  window.location.assign(keepingQuery(set.widget_url));
}

function setButtons(set, status) {
  const open = el("a", { className: "button", attrs: { href: keepingQuery(set.widget_url) } });
  if (set.meeting && set.meeting.open) {
    open.textContent = "Open the meeting";
    return [open];
  }
  const start = el("button", { text: "Start the next meeting", attrs: { type: "button" } });
  start.addEventListener("click", () => startMeeting(set, start, status));
  if (!set.meeting) return [start];
  open.textContent = "Open the last meeting";
  open.classList.add("secondary");
  return [start, open];
}

function setCard(set, index) {
  const headingId = `home-set-${index}`;
  const role = set.role === "facilitator" ? "You lead this set" : "You co-facilitate this set";
  const status = el("p", { className: "status", attrs: { role: "status" } });
  return el("li", { className: "card home-set", attrs: { "aria-labelledby": headingId } }, [
    el("h2", { text: set.set_name, attrs: { id: headingId } }),
    el("p", { className: "hint", text: `${role}, as ${set.your_name}.` }),
    el("dl", { className: "home-facts" }, [
      fact("Next meeting", nextMeetingText(set.next_meeting), "home-fact-wide"),
      fact("Open actions", String(set.open_actions)),
      fact("Waiting to join", set.waiting ? plural(set.waiting, "person", "people") : "Nobody"),
      fact("Meeting", meetingText(set.meeting)),
    ]),
    el("div", { className: "actions" }, setButtons(set, status)),
    status,
  ]);
}

function render(home) {
  if (home.signed_in_as) tell("signed-in-as", `Signed in with Teams as ${home.signed_in_as}.`);
  if (home.teams_sign_in) {
    tell("sign-in-note", `Teams signed you in, but this server cannot use it: ${home.teams_sign_in.message} `
      + "Only the sets this device knows are shown.");
  }
  const list = byId("home-sets");
  list.replaceChildren(...home.sets.map(setCard));
  list.hidden = home.sets.length === 0;
  byId("home-empty").hidden = home.sets.length > 0;
  byId("start-another").hidden = home.sets.length === 0;
}

// Inside Teams, where sign-in is set up: the person's token, or nothing (then only this device's
// sets show, and a sentence says why). Never waits on Teams for long.
async function signInToken() {
  if (!signInOffered || !isFramed()) return null;
  const { token, message } = await teamsSignIn();
  if (!token && message) tell("sign-in-note", "Teams did not sign you in, so only the sets this device knows are shown.");
  return token || null;
}

async function load() {
  await followTeams(); // its theme and locale, inside Teams; nothing anywhere else
  const teamsToken = await signInToken();
  const tokens = rememberedLinks().map((link) => link.token);
  try {
    const home = await postJson("/api/home", {
      participant_tokens: tokens, ...(teamsToken ? { teams_token: teamsToken } : {}),
    });
    render(home);
  } catch (error) {
    tell("home-error", error.message);
  } finally {
    byId("home-loading").hidden = true;
  }
}

load();
