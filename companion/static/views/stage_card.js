// The facilitator's "Stage view" card: the meeting in large type for Teams' meeting stage or a
// hybrid room's big screen (stage.html). In a Teams side panel it offers "Share to stage"; anywhere
// it links to the view, and shows the view's link as a QR code for the device that drives the
// screen. The link is read-only: whoever holds it sees what every member sees, and can change
// nothing. When Teams opens this widget on the meeting stage itself, it moves to the stage view.
import { keepingQuery, readTextWithToken } from "../api.js";
import { byId, show } from "../dom.js";
import { shareToStage, teamsFrameContext } from "../teams_stage.js";

const SHARED = "The stage view is on the meeting stage for everyone in the call.";

let latest = null; // the widget's latest context: its token, set and links
let frame = null; // Teams' frame context, once known ("sidePanel", "meetingStage"), else null
let movedToStage = false;

// A freshly signed stage link and its QR code, for anyone active in the set.
async function fetchStage(ctx) {
  const path = `/api/sets/${encodeURIComponent(ctx.setId)}/stage`;
  return JSON.parse(await readTextWithToken(path, ctx.token));
}

// Teams opened the app on the meeting stage: everyone in the call sees what is there, so show
// the stage view rather than this person's own widget. Tried once: a failure is said, not looped.
async function moveToStage(ctx) {
  if (movedToStage || !ctx.setId) return;
  movedToStage = true;
  try {
    window.location.replace(keepingQuery((await fetchStage(ctx)).stage_url));
  } catch (error) {
    byId("command-error").textContent = `The stage view could not be opened. ${error.message}`;
  }
}

export function renderStageCard(ctx) {
  latest = ctx;
  if (frame === "meetingStage") moveToStage(ctx);
  const url = ctx.isFacilitator && ctx.links ? ctx.links.stage_url || "" : "";
  show("stage-card", Boolean(url));
  if (!url) {
    if (byId("stage-qr-dialog").open) byId("stage-qr-dialog").close();
    return;
  }
  const link = byId("open-stage");
  if (link.getAttribute("href") !== url) link.setAttribute("href", url);
  show("share-to-stage", frame === "sidePanel");
}

function tell(text) {
  byId("stage-status").textContent = text;
}

async function share() {
  tell("");
  try {
    await shareToStage(latest.links.stage_url);
    tell(SHARED);
  } catch (error) {
    tell(`Teams did not share the stage view. ${error.message}`);
  }
}

// Filled before it opens, so a screen reader announces the dialog with its name and the code is
// already drawn when it appears; as the invite's QR code is (views/qr.js).
async function showQr() {
  tell("");
  try {
    const stage = await fetchStage(latest);
    byId("stage-qr-set-name").textContent = stage.set_name;
    byId("stage-qr-link").textContent = stage.stage_url;
    const image = byId("stage-qr-image");
    image.src = stage.qr;
    await image.decode();
    byId("stage-qr-dialog").showModal();
  } catch (error) {
    tell(`The QR code could not be shown. ${error.message || ""}`.trim());
  }
}

function wire() {
  const dialog = byId("stage-qr-dialog");
  const button = byId("show-stage-qr");
  let busy = false;
  byId("share-to-stage").addEventListener("click", share);
  button.addEventListener("click", async () => {
    if (busy || dialog.open || !latest) return;
    busy = true;
    await showQr();
    busy = false;
  });
  byId("stage-qr-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => button.focus());
}

wire();
teamsFrameContext().then((found) => {
  frame = found;
  if (latest) renderStageCard(latest);
});
