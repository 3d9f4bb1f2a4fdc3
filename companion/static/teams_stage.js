// The meeting stage in Microsoft Teams: where Teams has opened this page (its frame context), and
// "Share to stage", which asks Teams to open the stage view on the meeting stage for everyone in
// the call. Outside Teams both answer at once, without loading anything (teams.js).
import { joinTeams } from "./teams.js";

const SHARE_TIMEOUT_MS = 15000;

// "sidePanel", "meetingStage", "content", ... inside Teams; null anywhere else.
export async function teamsFrameContext() {
  const teams = await joinTeams();
  return teams ? teams.context.page.frameContext || null : null;
}

// Resolves once Teams has put `url` on the meeting stage; rejects with Teams' reason (a person
// without the right to present, an app not allowed to share) or when Teams does not answer.
export async function shareToStage(url) {
  const teams = await joinTeams();
  if (!teams) throw new Error("Share to stage works only inside a Teams meeting.");
  return new Promise((resolve, reject) => {
    const timer = window.setTimeout(() => reject(new Error("Teams did not answer.")), SHARE_TIMEOUT_MS);
    teams.sdk.meeting.shareAppContentToStage((error, shared) => {
      window.clearTimeout(timer);
      if (error) reject(new Error(error.message || `Teams refused (${error.errorCode}).`));
      else resolve(shared);
    }, url);
  });
}
