import { postJson, keepingQuery } from "./api.js";
import { rememberedLinks } from "./devices.js";
import { followTeams, isFramed, teamsSignIn } from "./teams.js";

const form = document.getElementById("join-form");
const errorText = document.getElementById("join-error");
const inviteToken = window.location.hash.slice(1);
// How this person came, for the facilitators' lobby: the QR code's link says so.
const cameBy = new URLSearchParams(window.location.search).get("via") === "qr" ? "qr" : "invite";
const rememberedTokens = () => rememberedLinks().map((link) => link.token);
// Whether this server recognises people by their Teams sign-in (it says so in the page).
const signInOffered = document.querySelector("meta[name=companion-teams-sign-in]")?.content === "on";
// Inside Teams, where sign-in is set up: the person's Teams token, or why there is none. Asked
// once; joining never waits on it past its own short time-out.
const signedIn = signInOffered && isFramed() ? teamsSignIn() : Promise.resolve({ reason: "not_in_teams" });

function tellSignIn(message) {
  const note = document.getElementById("sign-in-note");
  note.textContent = message;
  note.hidden = !message;
}

// A device that already holds a link to this set offers to continue as that person, so a second
// visit to the invite never creates a second member with the same name. Someone a facilitator
// removed is told that asking again shows the facilitator they were removed before.
async function offerToContinue() {
  const tokens = rememberedTokens();
  const { token: teamsToken, message } = await signedIn;
  if (message) tellSignIn(message);
  if (!tokens.length && !teamsToken) return;
  let known;
  try {
    known = await postJson("/api/rejoin", {
      invite_token: inviteToken, participant_tokens: tokens, ...(teamsToken ? { teams_token: teamsToken } : {}),
    });
  } catch (error) {
    if (error.code === "removed") showRemovedNotice();
    else if (teamsToken && error.code.startsWith("teams_")) tellSignIn(signInRefused(error));
    return; // not recognised, or the server could not say: joining afresh still works
  }
  // Known as who Teams says they are: there is nobody else they could be, so in they go.
  if (teamsToken) {
    window.location.assign(keepingQuery(known.widget_url));
    return;
  }
  const link = document.getElementById("continue-link");
  const waiting = known.status === "waiting" ? " (still waiting to be let in)" : "";
  link.textContent = `Continue as ${known.display_name}${waiting}`;
  link.href = keepingQuery(known.widget_url);
  form.hidden = true;
  const section = document.getElementById("welcome-back");
  section.hidden = false;
  document.getElementById("welcome-back-heading").focus();
}

function signInRefused(error) {
  return `Teams signed you in, but this set cannot use it: ${error.message} You will wait in the lobby until the facilitator lets you in.`;
}

function showRemovedNotice() {
  const notice = document.getElementById("removed-notice");
  notice.hidden = false;
}

document.getElementById("someone-else").addEventListener("click", () => {
  document.getElementById("welcome-back").hidden = true;
  form.hidden = false;
  form.display_name.focus();
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  errorText.textContent = "";
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const { token: teamsToken } = await signedIn;
    const joined = await postJson("/api/join", {
      invite_token: inviteToken,
      display_name: form.display_name.value,
      came_by: isFramed() && signInOffered ? "teams" : cameBy,
      participant_tokens: rememberedTokens(),
      ...(teamsToken ? { teams_token: teamsToken } : {}),
    });
    // Not recognised by Teams after all: say why once, then on to the lobby.
    if (joined.teams_sign_in) {
      tellSignIn(signInRefused(joined.teams_sign_in));
      showContinue(joined);
      return;
    }
    // Let in at once, or waiting for the facilitator: the widget shows which.
    window.location.assign(keepingQuery(joined.widget_url));
  } catch (error) {
    errorText.textContent = error.message;
    button.disabled = false;
  }
});

function showContinue(joined) {
  const link = document.getElementById("continue-link");
  link.textContent = "Continue to the waiting room";
  link.href = keepingQuery(joined.widget_url);
  form.hidden = true;
  document.getElementById("someone-else").hidden = true;
  document.getElementById("welcome-back-heading").textContent = "Almost there";
  document.getElementById("welcome-back").hidden = false;
  link.focus();
}

// In Teams, the name people use there is a good first guess; they can change it, and it proves
// nothing about who they are.
followTeams().then((teams) => {
  const field = form.display_name;
  if (teams && teams.displayName && !field.value) field.value = teams.displayName.slice(0, 40);
});

if (!inviteToken) {
  errorText.textContent = "This invite link is incomplete. Ask your facilitator to send it again.";
  form.querySelector("button[type=submit]").disabled = true;
} else {
  offerToContinue();
}
