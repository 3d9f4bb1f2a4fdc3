// Who is in the meeting, and what has happened: the activity log, overrides marked.
import { describe } from "../activity.js";
import { commandButton, el, fill, show } from "../dom.js";
import { ROLE_LABELS } from "../phases.js";
import { personItem } from "./queues.js";

const ROLE_CHANGES = [
  ["observer", "Make observer"],
  ["member", "Make member"],
  ["co_facilitator", "Make co-facilitator"],
];

function participantControls(ctx, person) {
  if (!ctx.isFacilitator || person.id === ctx.you.id || person.role === "facilitator") return [];
  const small = (text, command, args, className = "small secondary") => commandButton(text, command, {
    args: { participant_id: person.id, ...args }, className, label: `${text}: ${person.name}`,
  });
  const controls = ROLE_CHANGES.filter(([role]) => role !== person.role)
    .map(([role, text]) => small(text, "set_role", { role }));
  if (ctx.you.role === "facilitator") controls.push(small("Hand over", "hand_over", {}));
  controls.push(small("Remove", "remove_participant", {}, "small danger"));
  return controls;
}

// Role changes and removal sit behind one "Manage" per person, so the list stays calm.
function manage(person, controls) {
  const key = `manage:${person.id}`;
  return el("details", { className: "manage", attrs: { "data-key": key } }, [
    el("summary", { text: "Manage", attrs: { "aria-label": `Manage ${person.name}`, "data-key": `${key}:summary` } }),
    el("span", { className: "row-actions" }, controls),
  ]);
}

export function renderParticipants(ctx) {
  fill("participants", ctx.meeting.participants.map((person) => {
    const role = ROLE_LABELS[person.role];
    const detail = `${role ? `${role} · ` : ""}${person.online ? "here" : "away"}`;
    const item = personItem(ctx, person.id, detail);
    item.dataset.online = String(person.online);
    const controls = participantControls(ctx, person);
    if (controls.length) item.append(manage(person, controls));
    return item;
  }));
}

// Names the facilitator listed for the set, matched loosely: "ada " is the Ada who joined.
const sameName = (a, b) => a.trim().toLowerCase() === b.trim().toLowerCase();

// For facilitators: whom they are still waiting for, so nobody is forgotten before the opening.
export function renderExpected(ctx) {
  const missing = ctx.isFacilitator
    ? (ctx.meeting.expected_members || []).filter(
      (name) => !ctx.meeting.participants.some((person) => sameName(person.name, name)),
    )
    : [];
  show("expected-block", missing.length > 0);
  fill("expected", missing.map((name) => el("li", { className: "person" }, [
    el("span", { text: name, className: "person-name" }),
    el("span", { text: "not here yet", className: "person-detail" }),
  ])));
}

export function renderActivity(ctx) {
  const entries = [...ctx.meeting.activity].reverse();
  fill("activity", entries.map((entry) => el("li", {
    text: describe(entry, ctx),
    className: entry.override ? "override" : "",
  })));
}
