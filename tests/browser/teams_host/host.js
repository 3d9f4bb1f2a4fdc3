// A Teams host, as far as the Teams library (@microsoft/teams-js) needs one for what the app
// uses: initialize, getContext, the tab configuration calls, and the events a host sends (theme
// changes, the Save button). Tests drive it through window.teamsHost.
const params = new URLSearchParams(window.location.search);
const frame = document.getElementById("app");
const host = {
  theme: params.get("theme") || "default",
  locale: params.get("locale") || "en-us",
  name: params.get("name") || "",
  frameContext: params.get("frame") || "sidePanel",
  calls: [],        // every func the app sent, in order
  validity: null,   // the last pages.config.setValidityState
  settings: null,   // the last pages.config.setConfig
  saved: null,      // "success" or the failure reason, once the app answers a save
};

// What Teams would say this page may use: the app needs app and pages.config.
const RUNTIME = JSON.stringify({
  apiVersion: 4,
  hostVersionsInfo: { adaptiveCardSchemaVersion: { majorVersion: 1, minorVersion: 5 } },
  isLegacyTeams: false,
  supports: { app: {}, pages: { config: {}, appButton: {}, tabs: {} }, teamsCore: {} },
});

function context() {
  return {
    theme: host.theme, locale: host.locale, userDisplayName: host.name,
    frameContext: host.frameContext, hostClientType: "web", userObjectId: "00000000-0000-0000-0000-000000000001",
  };
}

const ANSWERS = {
  initialize: () => [host.frameContext, "web", RUNTIME, "2.58.0"],
  getContext: () => [context()],
  "settings.setSettings": (args) => { host.settings = args[0]; return [true]; },
  "settings.getSettings": () => [host.settings],
};

const EVENTS = {
  "settings.setValidityState": (args) => { host.validity = args[0]; },
  "settings.save.success": () => { host.saved = "success"; },
  "settings.save.failure": (args) => { host.saved = args[0] || "failure"; },
};

window.addEventListener("message", (event) => {
  if (event.source !== frame.contentWindow || !event.data || typeof event.data.func !== "string") return;
  const { id, func, args } = event.data;
  host.calls.push(func);
  if (EVENTS[func]) EVENTS[func](args || []);
  if (ANSWERS[func]) frame.contentWindow.postMessage({ id, args: ANSWERS[func](args || []) }, event.origin);
});

function tell(func, args) {
  frame.contentWindow.postMessage({ func, args }, "*");
}

window.teamsHost = {
  state: host,
  setTheme(theme) { host.theme = theme; tell("themeChange", [theme]); },
  pressSave() { host.saved = null; tell("settings.save", [{}]); },
  // Opens the saved tab as Teams would: {theme} in its address becomes the theme's name.
  openTab() { frame.src = host.settings.contentUrl.replace("{theme}", host.theme); },
};

frame.src = params.get("src");
