import { postJson, keepingQuery } from "./api.js";
import { rememberedLinks } from "./devices.js";
import { followTeams } from "./teams.js";

const form = document.getElementById("join-form");
const errorText = document.getElementById("join-error");
const inviteToken = window.location.hash.slice(1);

// A device that already holds a link to this set offers to continue as that person, so a second
// visit to the invite never creates a second member with the same name.
async function offerToContinue() {
  const tokens = rememberedLinks().map((link) => link.token);
  if (!tokens.length) return;
  let known;
  try {
    known = await postJson("/api/rejoin", { invite_token: inviteToken, participant_tokens: tokens });
  } catch {
    return; // not recognised, or the server could not say: joining afresh still works
  }
  const link = document.getElementById("continue-link");
  link.textContent = `Continue as ${known.display_name}`;
  link.href = keepingQuery(known.widget_url);
  form.hidden = true;
  const section = document.getElementById("welcome-back");
  section.hidden = false;
  document.getElementById("welcome-back-heading").focus();
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
    const joined = await postJson("/api/join", {
      invite_token: inviteToken,
      display_name: form.display_name.value,
    });
    window.location.assign(keepingQuery(joined.widget_url));
  } catch (error) {
    errorText.textContent = error.message;
    button.disabled = false;
  }
});

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
