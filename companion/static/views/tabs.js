// The widget's tabs. In a narrow place (a Teams side panel, a phone) only what matters now sits
// above them, and what is used less (the set's people and lobby, the facilitator's console, your
// data) waits one tap away, so pages stay short. A desktop has the room to show every panel at
// once, so there the tabs step aside and the panels stand as plain regions in two columns.
// The chosen tab is kept for this browser tab, so neither a re-render, a reconnect nor a reload
// moves anyone away from what they were looking at.
import { isPresenting } from "../derive.js";
import { byId } from "../dom.js";

const WIDE = window.matchMedia("(min-width: 60rem)");
export const isWide = () => WIDE.matches;
const KEPT = "companion:tab";
const STEER = "steer";

let chosen = readKept() || "now";

function readKept() {
  try {
    return window.sessionStorage.getItem(KEPT);
  } catch {
    return null; // storage blocked (a locked-down browser, a sandboxed frame): start on the meeting
  }
}

function keep(name) {
  try {
    window.sessionStorage.setItem(KEPT, name);
  } catch {
    // nothing to do: the choice holds until the page is reloaded
  }
}

const tabs = () => [...byId("tab-list").querySelectorAll('[role="tab"]')];
const available = () => tabs().filter((tab) => !tab.hidden);
const panels = () => [...document.querySelectorAll(".tab-panel")];

function layOut() {
  const wide = WIDE.matches;
  byId("tabs").hidden = wide;
  if (!available().some((tab) => tab.dataset.tab === chosen)) chosen = "now";
  for (const tab of tabs()) {
    const selected = tab.dataset.tab === chosen;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
  }
  for (const panel of panels()) {
    // Wide, every panel is a plain region of the page, and no longer a tab's panel.
    if (wide) {
      panel.removeAttribute("role");
      panel.hidden = panel.dataset.tab === STEER && byId(`tab-${STEER}`).hidden;
    } else {
      panel.setAttribute("role", "tabpanel");
      panel.hidden = panel.dataset.tab !== chosen;
    }
  }
  document.body.dataset.tab = wide ? "all" : chosen;
}

export function choose(name, { focus = false } = {}) {
  chosen = name;
  keep(name);
  layOut();
  if (focus) byId(`tab-${name}`).focus();
}

// Arrow keys move along the tabs and open the one they reach, as in every tab list.
function onKey(event) {
  const list = available();
  const at = list.indexOf(event.target);
  if (at < 0) return;
  const to = {
    ArrowRight: (at + 1) % list.length, ArrowLeft: (at - 1 + list.length) % list.length,
    Home: 0, End: list.length - 1,
  }[event.key];
  if (to === undefined) return;
  event.preventDefault();
  choose(list[to].dataset.tab, { focus: true });
}

export function wireTabs() {
  const list = byId("tab-list");
  list.addEventListener("click", (event) => {
    const tab = event.target.closest('[role="tab"]');
    if (tab) choose(tab.dataset.tab);
  });
  list.addEventListener("keydown", onKey);
  WIDE.addEventListener("change", layOut);
  layOut();
}

// The console's tab is for facilitators alone; a person whose role changes sees it come or go.
export function renderTabs(ctx) {
  const steer = byId(`tab-${STEER}`);
  if (steer.hidden === ctx.isFacilitator) {
    steer.hidden = !ctx.isFacilitator;
    layOut();
  }
}

// Cards that matter in some steps only: in a narrow widget they stand in the meeting's panel while
// they do, and wait with the set's things the rest of the time. [card, steps it is needed in, where
// it goes in the meeting's panel].
const PLACED = [
  ["contract-card", new Set(["opening"]), "start"],
  ["bids-card", new Set(["bidding"]), "end"],
];

export function renderPlacement(ctx) {
  const now = byId("panel-now");
  placeSignals(ctx);
  placeBidForm(ctx);
  for (const [id, phases, where] of PLACED) {
    const card = byId(id);
    const home = phases.has(ctx.meeting.phase) ? now : byId("panel-set");
    if (card.parentElement === home) continue;
    if (home === now) now[where === "start" ? "prepend" : "append"](card);
    else home.insertBefore(card, byId("invite"));
  }
}

// A presenter at work needs their own tools first; the signals (theirs to hide) follow them. Once
// the meeting has ended there is nothing left to signal.
function placeSignals(ctx) {
  const card = byId("signals-card");
  card.hidden = ctx.meeting.phase === "closed";
  const presenting = isPresenting(ctx.meeting, ctx.you.id);
  const home = presenting ? byId("panel-now") : byId("cockpit");
  if (card.parentElement === home) return;
  if (presenting) byId("you-card").after(card);
  else home.append(card);
}

// Asking for time is the step's own business at the opening and in the bidding, and so on the first
// screen; at other times (a bid still may be made) the form waits with the bids.
const BIDDING_STEPS = new Set(["opening", "bidding"]);

function placeBidForm(ctx) {
  const form = byId("bid-box");
  const withdraw = byId("bid-actions");
  const first = BIDDING_STEPS.has(ctx.meeting.phase);
  const home = first ? byId("next-card") : byId("bids-card");
  if (form.parentElement !== home || withdraw.parentElement !== home) home.append(form, withdraw);
}

// Where a control lives, so that another part of the widget can take someone to it.
export function showPanelOf(element) {
  const panel = element.closest(".tab-panel");
  if (panel && !WIDE.matches) choose(panel.dataset.tab);
  element.scrollIntoView({ block: "start" });
}
