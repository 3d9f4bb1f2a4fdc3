import { keepingQuery, postJson } from "./api.js";
import { wireCopyButtons } from "./copy.js";

const form = document.getElementById("start-form");
const errorText = document.getElementById("start-error");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  errorText.textContent = "";
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const created = await postJson("/api/sets", {
      set_name: form.set_name.value,
      facilitator_name: form.facilitator_name.value,
      expected_members: expectedNames(form.expected_members.value),
    });
    showLinks(created);
  } catch (error) {
    errorText.textContent = error.message;
    button.disabled = false;
  }
});

// One name per line; blank lines and repeats are left out.
function expectedNames(text) {
  return [...new Set(text.split("\n").map((line) => line.trim()).filter(Boolean))];
}

function showLinks(created) {
  document.getElementById("invite-url").value = created.invite_url;
  document.getElementById("facilitator-url").value = created.facilitator_url;
  document.getElementById("open-console").href = keepingQuery(created.facilitator_url);
  form.hidden = true;
  const section = document.getElementById("started");
  section.hidden = false;
  document.getElementById("started-heading").focus();
}

wireCopyButtons(document.getElementById("copy-status"));
