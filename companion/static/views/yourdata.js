// "Your data": a person may take away what they wrote in this set, or delete it from the server.
// Both are HTTP requests with their own token, not meeting commands.
import { deleteWithToken, readTextWithToken } from "../api.js";
import { byId } from "../dom.js";

const NOTES_FILE = "my-actions-and-learnings.md";
const DELETE_QUESTION = "Delete your actions, your learnings and your place in this set? "
  + "It cannot be undone, and this link will stop working.";

// Saved through a link to the text held in the page, so the token never goes in a URL.
async function downloadNotes(token) {
  const status = byId("your-data-status");
  status.textContent = "Preparing your file…";
  try {
    const text = await readTextWithToken("/api/me/notes.md", token);
    const url = URL.createObjectURL(new Blob([text], { type: "text/markdown" }));
    const link = Object.assign(document.createElement("a"), { href: url, download: NOTES_FILE });
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 1000);
    status.textContent = `Your file ${NOTES_FILE} has been saved to your downloads.`;
  } catch (error) {
    status.textContent = error.message;
  }
}

async function deleteMyData(token, onDeleted) {
  if (!window.confirm(DELETE_QUESTION)) return;
  const button = byId("delete-me");
  const status = byId("your-data-status");
  button.disabled = true;
  status.textContent = "Deleting…";
  try {
    await deleteWithToken("/api/me", token);
    status.textContent = "Your data has been deleted from this set.";
    onDeleted();
  } catch (error) {
    button.disabled = false;
    status.textContent = error.message;
  }
}

export function wireYourData(token, onDeleted) {
  byId("download-notes").addEventListener("click", () => downloadNotes(token));
  byId("delete-me").addEventListener("click", () => deleteMyData(token, onDeleted));
}
