// The set's contract: the rules its members keep. Read in full at the opening, where each member
// agrees to it; folded away, but a key press from view, for the rest of the meeting. Facilitators
// may rewrite it, and then everyone is asked to agree afresh.
import { byId, commandButton, el, fill, setText, show } from "../dom.js";
import { isWide } from "./tabs.js";

export const contractLines = (text) => text.split("\n").map((line) => line.trim()).filter(Boolean);

// Open while the set reads it at the opening, folded away at other times. Only a change of phase
// moves it: a person's own opening or closing is kept. A narrow widget (a side panel, a phone)
// keeps it folded even then, one tap away above the agree button: in full, the rules alone would
// fill two screens there.
let contractBoxPhase = null;

function openContractOnEnteringOpening(phase) {
  if (phase === contractBoxPhase) return;
  contractBoxPhase = phase;
  byId("contract-box").open = phase === "opening" && isWide();
}

const mustAgree = (ctx) => ctx.you.role === "member" && ctx.meeting.phase !== "closed";

export const stillToAgree = (ctx) => mustAgree(ctx) && !ctx.meeting.contract.agreed.includes(ctx.you.id);

function agreementText(ctx) {
  const { agreed } = ctx.meeting.contract;
  if (ctx.you.role === "member") {
    return agreed.includes(ctx.you.id)
      ? "You have agreed to keep to this contract."
      : "Please read it, and say when you agree to keep to it.";
  }
  const members = ctx.meeting.participants.filter((p) => p.role === "member");
  if (!members.length) return "No members have joined yet.";
  const count = members.filter((p) => agreed.includes(p.id)).length;
  return `${count} of ${members.length} ${members.length === 1 ? "member has" : "members have"} agreed to it.`;
}

export function renderContract(ctx) {
  const { items } = ctx.meeting.contract;
  openContractOnEnteringOpening(ctx.meeting.phase);
  setText("contract-summary", `The rules we keep (${items.length})`);
  fill("contract-items", items.map((text) => el("li", { text })));
  setText("contract-status", agreementText(ctx));
  const agreeing = stillToAgree(ctx);
  fill("contract-agree", agreeing ? [commandButton("I agree to keep to this contract", "agree_contract")] : []);
  const editable = ctx.isFacilitator && ctx.meeting.phase !== "closed";
  show("contract-editor", editable);
  if (editable) keepEditorInStep(items);
}

// The textbox follows the contract while nobody has typed in it; words being written are kept.
function keepEditorInStep(items) {
  const box = byId("contract-text");
  const held = items.join("\n");
  const untouched = box.value === (box.dataset.shown ?? "");
  const sameRules = contractLines(box.value).join("\n") === held;
  if (untouched || sameRules) {
    if (box.value !== held) box.value = held;
    box.dataset.shown = held;
  }
}
