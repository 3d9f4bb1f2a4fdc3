// This person's own signals that still count, by kind: { fadesAt (server time), version (the
// meeting version that counted it), exact (fadesAt read from that version's snapshot rather than
// estimated when the server said yes) }. Kept for this browser tab in sessionStorage, so a reload
// shows them as sent, as before it.
//
// Why here and not from the server: the server keeps no record of whose a signal is, only an
// opaque key it can test but not read (companion/store/signal_claims.py). To tell a widget which
// of its kinds still count it would have to compute that key for this person and send the answer
// addressed to them, and every message crosses Redis (the Socket.IO queue) with its room, which
// names the person: the link between a person and a signal would exist outside this tab. Kept
// here, it never leaves the page that already knew it, and it goes with the tab.
const KEY = "companion.sentSignals";

export const yours = new Map();
let meetingId = null;

function read() {
  try {
    const kept = JSON.parse(window.sessionStorage.getItem(KEY) || "null");
    return kept && typeof kept.meeting === "string" && kept.kinds && typeof kept.kinds === "object" ? kept : null;
  } catch {
    return null; // storage refused, or not ours to read
  }
}

const wellFormed = (mine) => mine && Number.isFinite(mine.fadesAt) && Number.isInteger(mine.version);

// The widget shows meeting `id`: what this tab kept for it comes back; anything kept for another
// meeting (the one before, in the same tab) is dropped.
export function followMeeting(id) {
  if (id === meetingId) return;
  meetingId = id;
  yours.clear();
  const kept = read();
  if (kept && kept.meeting === id) {
    for (const [kind, mine] of Object.entries(kept.kinds)) if (wellFormed(mine)) yours.set(kind, mine);
  }
  keepYours();
}

// Written after each change; emptied, the entry goes.
export function keepYours() {
  try {
    if (yours.size) {
      window.sessionStorage.setItem(KEY, JSON.stringify({ meeting: meetingId, kinds: Object.fromEntries(yours) }));
    } else {
      window.sessionStorage.removeItem(KEY);
    }
  } catch {
    // Refused (a locked-down browser): they hold for this page until it is reloaded.
  }
}
