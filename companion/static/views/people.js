// Who is in the meeting, and what has happened: the activity log, overrides marked.
import { describe } from "../activity.js";
import { commandButton, el, fill } from "../dom.js";
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

export function renderActivity(ctx) {
  const entries = [...ctx.meeting.activity].reverse();
  fill("activity", entries.map((entry) => el("li", {
    text: describe(entry, ctx),
    className: entry.override ? "override" : "",
  })));
}
