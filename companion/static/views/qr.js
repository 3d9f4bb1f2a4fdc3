// The invite card's extras for a hybrid room: the member invite link as a QR code as big as the
// screen allows, which the facilitator puts on a shared screen so people join from their phones;
// and the link that adds the companion to Microsoft Teams, which only works over HTTPS.
import { postWithToken, readTextWithToken } from "../api.js";
import { byId } from "../dom.js";

// The server draws the code (an SVG data URI, black on white in every theme) for a freshly
// signed invite; asked anew on each opening, so it never shows an invite past its age.
async function fetchInviteQr(token, setId) {
  const path = `/api/sets/${encodeURIComponent(setId)}/invite-qr`;
  return JSON.parse(await readTextWithToken(path, token));
}

// Filled before it opens, so a screen reader announces the dialog with its name and the code is
// already drawn when it appears. Trouble is told in the card, next to the button.
async function showQr(token, setId) {
  const status = byId("copy-status");
  status.textContent = "";
  try {
    const invite = await fetchInviteQr(token, setId);
    byId("qr-set-name").textContent = invite.set_name;
    byId("qr-link").textContent = invite.invite_url;
    const image = byId("qr-image");
    image.src = invite.qr;
    await image.decode();
    byId("qr-dialog").showModal();
  } catch (error) {
    status.textContent = `The QR code could not be shown. ${error.message || ""}`.trim();
  }
}

function wireQrDialog(token, setId) {
  const button = byId("show-qr");
  const dialog = byId("qr-dialog");
  let opening = false;
  button.addEventListener("click", async () => {
    if (opening || dialog.open) return;
    opening = true;
    await showQr(token, setId());
    opening = false;
  });
  byId("qr-close").addEventListener("click", () => dialog.close());
  // Escape closes it too (the browser's own "cancel"); either way focus goes back to the button.
  dialog.addEventListener("close", () => button.focus());
  // If this person stops facilitating while it is open, the card hides: a modal dialog left open
  // inside it would be invisible yet keep the rest of the page out of reach.
  new MutationObserver(() => {
    if (byId("invite").hidden && dialog.open) dialog.close();
  }).observe(byId("invite"), { attributes: true, attributeFilter: ["hidden"] });
}

// Teams loads apps over HTTPS only, and /teams/app.zip refuses plain HTTP: over HTTP, say why
// the link is missing instead of offering one that fails.
function offerTeams() {
  const secure = window.location.protocol === "https:";
  byId("teams-add").hidden = !secure;
  byId("teams-needs-https").hidden = secure;
}

// A leaked link is shut at once: the server stops admitting anyone with it, and every
// facilitator's widget gets the new one (a "links" message), this one included.
function wireReplaceInvite(token, setId) {
  const button = byId("replace-invite");
  let busy = false; // not `disabled`, which would throw the keyboard user's focus away
  button.addEventListener("click", async () => {
    const question = "Replace the invite link? Anyone holding the old one can no longer join with it.";
    if (busy || !window.confirm(question)) return;
    const status = byId("copy-status");
    busy = true;
    try {
      const replaced = await postWithToken(`/api/sets/${encodeURIComponent(setId())}/invite`, token);
      byId("invite-url").value = replaced.invite_url;
      status.textContent = "A new invite link is ready. The old one no longer works.";
    } catch (error) {
      status.textContent = `The link was not replaced. ${error.message}`;
    } finally {
      busy = false;
    }
  });
}

// `setId` is a function: the set is known only once the server has welcomed this widget.
export function wireInviteCard(token, setId) {
  wireQrDialog(token, setId);
  wireReplaceInvite(token, setId);
  offerTeams();
}
