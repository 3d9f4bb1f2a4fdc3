// A Teams host, as far as the Teams library (@microsoft/teams-js) needs one for what the app
// uses: initialize, getContext, the tab configuration calls, sign-in (getAuthToken), share to
// stage, and the events a host sends (theme changes, the Save button). Tests drive it through window.teamsHost.
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
  // How getAuthToken is answered (see SIGN_IN), with which token or error; and each request's
  // silent flag, in order.
  signIn: params.get("auth") || "token",
  token: params.get("token") || "token-from-teams",
  authError: params.get("error") || "resourceDisabled",
  tokenRequests: [],
  // Every address the app asked to share to the meeting stage, in order.
  sharedToStage: [],
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

// teams-js 2.58 sends getAuthToken as func "authentication.getAuthToken" with args [resources,
// claims, silent, tenantId], and expects [true, token] or [false, error], the error being the
// message of the Error it rejects with. Teams answers a silent request that needs the person's
// consent with "resourceRequiresConsent"; a person who closes the consent prompt gives
// "CancelledByUser". Older clients, on phones above all, never answer at all.
const SIGN_IN = {
  token: () => [true, host.token],
  consent: (silent) => (silent ? [false, "resourceRequiresConsent"] : [true, host.token]),
  refuse: (silent) => [false, silent ? "resourceRequiresConsent" : "CancelledByUser"],
  error: () => [false, host.authError],
  older: () => null,
};

function getAuthToken(args) {
  const silent = args[2] === true;
  host.tokenRequests.push(silent);
  return SIGN_IN[host.signIn](silent);
}

const ANSWERS = {
  initialize: () => [host.frameContext, "web", RUNTIME, "2.58.0"],
  getContext: () => [context()],
  "settings.setSettings": (args) => { host.settings = args[0]; return [true]; },
  "settings.getSettings": () => [host.settings],
  "authentication.getAuthToken": getAuthToken,
  // teams-js sends [appContentUrl, shareOptions] and calls back with (error, result).
  "meeting.shareAppContentToStage": (args) => { host.sharedToStage.push(args[0]); return [null, true]; },
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
  const answer = ANSWERS[func] ? ANSWERS[func](args || []) : null;
  if (answer) frame.contentWindow.postMessage({ id, args: answer }, event.origin);
});

function tell(func, args) {
  frame.contentWindow.postMessage({ func, args }, "*");
}

window.teamsHost = {
  state: host,
  setTheme(theme) { host.theme = theme; tell("themeChange", [theme]); },
  pressSave() { host.saved = null; tell("settings.save", [{}]); },
  // From now on getAuthToken is answered as SIGN_IN[mode] says, with this token if one is given.
  answerSignIn(mode, token) { host.signIn = mode; if (token) host.token = token; },
  // Opens the saved tab as Teams would: {theme} in its address becomes the theme's name.
  openTab() { frame.src = host.settings.contentUrl.replace("{theme}", host.theme); },
};

frame.src = params.get("src");
