import { postJson } from "./api.js";

const form = document.getElementById("join-form");
const errorText = document.getElementById("join-error");
const inviteToken = window.location.hash.slice(1);

if (!inviteToken) {
  errorText.textContent = "This invite link is incomplete. Ask your facilitator to send it again.";
  form.querySelector("button[type=submit]").disabled = true;
}

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
    window.location.assign(joined.widget_url);
  } catch (error) {
    errorText.textContent = error.message;
    button.disabled = false;
  }
});
