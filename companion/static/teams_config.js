// The Teams tab's setup: the organiser picks a set this device facilitates, or one from its
// facilitator link, or creates a new one; Save in Teams then points the tab at that set's member
// invite, so everyone in the meeting opens it and joins.
import { postJson } from "./api.js";
import { remember, rememberedLinks } from "./devices.js";
import { el } from "./dom.js";
import { followTeams, joinTeams } from "./teams.js";

const byId = (id) => document.getElementById(id);
const form = byId("config-form");
let knownSets = [];

async function facilitatedSets(tokens) {
  if (!tokens.length) return [];
  try {
    return (await postJson("/api/facilitated-sets", { participant_tokens: tokens })).sets;
  } catch {
    return []; // the server could not say: pasting a link or creating a set still works
  }
}

function renderKnownSets() {
  byId("known-sets").replaceChildren(...knownSets.map((set, index) => el("li", { className: "choice" }, [
    el("input", { attrs: { type: "radio", id: `choice-set-${index}`, name: "choice", value: `set:${index}` } }),
    el("label", { text: set.set_name, attrs: { for: `choice-set-${index}` } }),
  ])));
  const first = form.querySelector("input[name=choice]");
  first.checked = true;
}

function chosen() {
  return form.querySelector("input[name=choice]:checked").value;
}

// The token is the fragment of a facilitator link; a bare token pasted on its own works too.
function pastedToken() {
  const text = form.facilitator_link.value.trim();
  return text.includes("#") ? text.slice(text.indexOf("#") + 1) : text;
}

function isComplete() {
  const choice = chosen();
  if (choice === "paste") return pastedToken().length > 0;
  if (choice === "new") return Boolean(form.set_name.value.trim() && form.facilitator_name.value.trim());
  return true;
}

function showFieldsOfChoice(sdk) {
  byId("paste-fields").hidden = chosen() !== "paste";
  byId("new-fields").hidden = chosen() !== "new";
  sdk.pages.config.setValidityState(isComplete());
}

async function pastedSet() {
  const token = pastedToken();
  const [found] = await facilitatedSets([token]);
  if (!found) throw new Error("That is not the facilitator link of a set on this server.");
  remember({ set_id: found.set_id, token, name: "" });
  return found;
}

async function newSet() {
  const created = await postJson("/api/sets", {
    set_name: form.set_name.value,
    facilitator_name: form.facilitator_name.value,
    expected_members: [...new Set(form.expected_members.value.split("\n").map((l) => l.trim()).filter(Boolean))],
  });
  remember({ set_id: created.set_id, token: created.facilitator_token, name: form.facilitator_name.value.trim() });
  return { set_id: created.set_id, set_name: form.set_name.value.trim(), invite_url: created.invite_url };
}

function chosenSet() {
  const choice = chosen();
  if (choice === "paste") return pastedSet();
  if (choice === "new") return newSet();
  return Promise.resolve(knownSets[Number(choice.slice("set:".length))]);
}

// Teams fills {theme} in the tab's address, so the widget opens in the meeting's colours.
function tabConfig(set) {
  const invite = new URL(set.invite_url);
  const page = `${invite.origin}${invite.pathname}`;
  return {
    entityId: set.set_id,
    contentUrl: `${page}?theme={theme}${invite.hash}`,
    websiteUrl: set.invite_url,
    suggestedDisplayName: set.set_name.slice(0, 40),
  };
}

function saveWith(sdk) {
  return async (saveEvent) => {
    byId("config-error").textContent = "";
    try {
      await sdk.pages.config.setConfig(tabConfig(await chosenSet()));
      saveEvent.notifySuccess();
    } catch (error) {
      byId("config-error").textContent = error.message;
      saveEvent.notifyFailure(error.message);
    }
  };
}

async function start() {
  const teams = await joinTeams();
  byId("config-loading").hidden = true;
  if (!teams) {
    byId("outside-teams").hidden = false;
    return;
  }
  const { displayName } = await followTeams();
  if (displayName) form.facilitator_name.value = displayName.slice(0, 40);
  knownSets = await facilitatedSets(rememberedLinks().map((link) => link.token));
  if (knownSets.length) renderKnownSets();
  else byId("choice-new").checked = true;
  form.hidden = false;
  form.addEventListener("input", () => showFieldsOfChoice(teams.sdk));
  form.addEventListener("submit", (event) => event.preventDefault());
  teams.sdk.pages.config.registerOnSaveHandler(saveWith(teams.sdk));
  showFieldsOfChoice(teams.sdk);
}

start();
