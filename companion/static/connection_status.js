// The line every live page shows about its connection: the widget's and the stage view's.
import { byId } from "./dom.js";

const CONNECTION_TEXT = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline: waiting for the network",
};

export function renderConnection(state, text = CONNECTION_TEXT[state]) {
  const element = byId("connection");
  element.dataset.state = state;
  if (element.textContent !== text) element.textContent = text;
}
