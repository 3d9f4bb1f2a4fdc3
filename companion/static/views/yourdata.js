// "Your data": a person may take away what they wrote in this set, or delete it from the server.
// Both are HTTP requests with their own token, not meeting commands.
import { deleteWithToken } from "../api.js";
import { byId } from "../dom.js";
import { downloadWithToken } from "../download.js";

const NOTES_FILE = "my-actions-and-learnings.md";
const DELETE_QUESTION = "Delete your actions, your learnings and your place in this set? "
  + "It cannot be undone, and this link will stop working.";

async function downloadNotes(token) {
  const status = byId("your-data-status");
  status.textContent = "Preparing your file…";
  try {
    await downloadWithToken("/api/me/notes.md", token, NOTES_FILE);
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
