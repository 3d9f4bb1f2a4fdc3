// The lobby, for facilitators: who is waiting to join (how they came, whether a facilitator
// removed them before), letting each in or turning them away, how newcomers join, and who was
// removed, whom a facilitator may let back in. Drawn from the roster message, which only
// facilitators receive; nobody else ever holds a waiting person's name.
import { announce } from "../announce.js";
import { byId, commandButton, el, fill, setText, show } from "../dom.js";
import { showPanelOf } from "./tabs.js";

const CAME_BY = {
  invite: "by the invite link",
  qr: "by the QR code",
  teams: "from Teams",
  founded: "created the set",
};

const waitingIn = (roster) => (roster ? roster.people.filter((p) => p.status === "waiting") : []);

function detailOf(person) {
  const parts = [CAME_BY[person.came_by] || ""];
  if (person.verified) parts.push("signed in with Teams");
  if (person.removed_before) {
    parts.push(person.former_name ? `removed before, as ${person.former_name}` : "removed before");
  }
  return parts.filter(Boolean).join(" · ");
}

function waitingItem(person) {
  const label = (text) => `${text}: ${person.name}`;
  const args = { participant_id: person.id };
  return el("li", { className: "person", attrs: { "data-removed-before": String(person.removed_before) } }, [
    el("span", { text: person.name, className: "person-name" }),
    el("span", { text: detailOf(person), className: "person-detail" }),
    el("span", { className: "row-actions" }, [
      commandButton("Let in", "admit", { args, className: "small", label: label("Let in") }),
      commandButton("Turn away", "decline", { args, className: "small secondary", label: label("Turn away") }),
    ]),
  ]);
}

function removedItem(person) {
  return el("li", { className: "person" }, [
    el("span", { text: person.name, className: "person-name" }),
    el("span", { text: "removed from the set", className: "person-detail" }),
    el("span", { className: "row-actions" }, [
      commandButton("Let back in", "admit", {
        args: { participant_id: person.id }, className: "small secondary", label: `Let back in: ${person.name}`,
      }),
    ]),
  ]);
}

function lobbyActions(waiting) {
  const newcomers = waiting.filter((p) => !p.removed_before).length;
  const actions = [];
  if (newcomers > 1) actions.push(commandButton(`Let in all ${newcomers} new`, "admit_all", { key: "admit-all" }));
  if (waiting.length > 1) {
    actions.push(commandButton("Turn everyone away", "decline_all", { className: "secondary", key: "decline-all" }));
  }
  return actions;
}

function admissionChoice(roster) {
  const asking = roster.admission === "ask";
  setText("admission-now", asking
    ? "New people wait here until a facilitator lets them in."
    : "Anyone with the invite link joins at once.");
  fill("admission-switch", [commandButton(
    asking ? "Let anyone with the invite join at once" : "Ask me before new people join",
    "set_admission",
    { args: { mode: asking ? "open" : "ask" }, className: "small secondary", key: "admission" },
  )]);
}

// On the first screen, however narrow: someone is at the door. The lobby itself is with the set's
// people, a tap away.
function renderNotice(waiting) {
  const count = waiting.length;
  setText("tab-set-badge", count ? ` (${count} waiting)` : "");
  show("tab-set-badge", count > 0);
  if (!count) return fill("lobby-notice", []);
  const button = el("button", {
    text: count === 1 ? "1 person is waiting to join" : `${count} people are waiting to join`,
    className: "small", attrs: { type: "button", "data-key": "lobby-notice" },
  });
  button.onclick = () => showPanelOf(byId("lobby-card"));
  fill("lobby-notice", [button]);
}

export function renderLobby(ctx) {
  const { roster } = ctx;
  show("lobby-card", Boolean(ctx.isFacilitator && roster));
  const waiting = ctx.isFacilitator ? waitingIn(roster) : [];
  show("lobby-notice", waiting.length > 0);
  renderNotice(waiting);
  if (!ctx.isFacilitator || !roster) return;
  const removed = roster.people.filter((p) => p.status === "removed");
  setText("lobby-heading-count", waiting.length ? ` (${waiting.length})` : "");
  show("lobby-empty", waiting.length === 0);
  fill("lobby-waiting", waiting.map(waitingItem));
  fill("lobby-actions", lobbyActions(waiting));
  show("lobby-removed-block", removed.length > 0);
  fill("lobby-removed", removed.map(removedItem));
  admissionChoice(roster);
}

// A facilitator hears who has just started waiting, whatever else they were doing.
export function announceLobby(previous, roster) {
  const before = new Set(waitingIn(previous).map((p) => p.id));
  const arrived = waitingIn(roster).filter((p) => !before.has(p.id));
  if (!arrived.length) return;
  const names = arrived.map((p) => p.name).join(", ");
  announce(`${names} ${arrived.length === 1 ? "is" : "are"} waiting to join.`);
}
