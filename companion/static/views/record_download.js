// The set's record as a file, for its facilitators (in the Console): its meetings, dates, who
// attended, who presented and the actions with their report-back, as a document (Markdown) or for
// a spreadsheet (CSV). The server leaves out everything private; this only saves what it sends.
import { byId, show } from "../dom.js";
import { downloadWithToken } from "../download.js";

const BUTTONS = { "download-record-md": "md", "download-record-csv": "csv" };

let latest = null; // the widget's latest context: its token and set

export function renderRecordCard(ctx) {
  latest = ctx;
  show("record-card", ctx.isFacilitator && Boolean(ctx.setId));
}

// Named for the day it was made, as the server names it, so several downloads sort by date.
function fileName(extension) {
  return `als-set-record-${new Date().toISOString().slice(0, 10)}.${extension}`;
}

async function download(button, extension) {
  const status = byId("record-status");
  const name = fileName(extension);
  button.disabled = true;
  status.textContent = "Preparing the file…";
  try {
    const path = `/api/sets/${encodeURIComponent(latest.setId)}/record.${extension}`;
    await downloadWithToken(path, latest.token, name);
    status.textContent = `The set's record has been saved to your downloads as ${name}.`;
  } catch (error) {
    status.textContent = error.message;
  } finally {
    button.disabled = false;
  }
}

for (const [id, extension] of Object.entries(BUTTONS)) {
  const button = byId(id);
  button.addEventListener("click", () => { if (latest) download(button, extension); });
}
