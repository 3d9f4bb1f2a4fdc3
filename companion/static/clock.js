// The server's clock as this device sees it. Timers are server deadlines, so every widget needs the
// offset between its own clock and the server's to count down to the same moment.
const SAMPLES = 5;
const REMEASURE_MS = 5 * 60 * 1000;

let offsetMs = 0;
let measured = false;
let remeasureTimer = null;

export function serverNow() {
  return Date.now() + offsetMs;
}

// A snapshot's server time, used only until a proper measurement is in: it carries the network's
// delay, which the round-trip measurement halves away.
export function noteServerTime(serverNowMs) {
  if (!measured) offsetMs = serverNowMs - Date.now();
}

function sample(socket) {
  return new Promise((resolve) => {
    const sent = Date.now();
    socket.timeout(5000).emit("clock", undefined, (error, answer) => {
      const received = Date.now();
      if (error || !answer || typeof answer.server_now_ms !== "number") resolve(null);
      else resolve({ roundTrip: received - sent, offset: answer.server_now_ms - (sent + received) / 2 });
    });
  });
}

// Several samples, keeping the one with the shortest round trip: the least delayed is the truest.
export async function measure(socket, onChange) {
  let best = null;
  for (let i = 0; i < SAMPLES && socket.connected; i += 1) {
    const result = await sample(socket);
    if (result && (!best || result.roundTrip < best.roundTrip)) best = result;
  }
  if (best) {
    offsetMs = Math.round(best.offset);
    measured = true;
    onChange();
  }
  window.clearTimeout(remeasureTimer);
  remeasureTimer = window.setTimeout(() => measure(socket, onChange), REMEASURE_MS);
}
