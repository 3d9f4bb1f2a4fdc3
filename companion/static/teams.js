// Microsoft Teams, when (and only when) a page runs framed inside it. Outside a frame nothing here
// loads, so a plain tab beside Zoom or Meet, or a phone, never fetches the Teams library.
// Teams tells us its theme, its locale and the user's display name. The name only prefills a
// field: it is never proof of who someone is. Proof, where sign-in with Teams is set up, is the
// Entra ID token that teamsSignIn asks Teams for and the server checks.

const LIBRARY = "/static/vendor/teams-js/MicrosoftTeams.min.js";
// Teams hands its own theme names to the page; ours are light, dark and contrast.
const THEMES = { default: "light", dark: "dark", contrast: "contrast" };

export const isFramed = () => window.self !== window.top;

let started = null;

// Resolves to {sdk, context} inside a Teams host, or to null anywhere else (not framed, framed
// by a page that is not a Teams host, or the library failed to load). Never rejects.
export function joinTeams() {
  if (!started) started = isFramed() ? connect() : Promise.resolve(null);
  return started;
}

async function connect() {
  try {
    await loadLibrary();
    const sdk = window.microsoftTeams;
    await withTimeout(sdk.app.initialize(hostOrigins()), 10000);
    return { sdk, context: await sdk.app.getContext() };
  } catch {
    return null; // a frame that is not Teams: the page works as it does in a plain tab
  }
}

function loadLibrary() {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = LIBRARY;
    script.onload = resolve;
    script.onerror = reject;
    document.head.append(script);
  });
}

class TimedOut extends Error {}

function withTimeout(promise, ms) {
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new TimedOut("no answer from Teams")), ms)),
  ]);
}

// The hosts the server allows to frame us (its CSP frame-ancestors) are the hosts whose
// messages the library may trust, beyond the Teams hosts it knows itself.
function hostOrigins() {
  const meta = document.querySelector("meta[name=companion-frame-ancestors]");
  const sources = meta ? meta.content.split(/\s+/).filter(Boolean) : [];
  return sources
    .map((source) => (source === "'self'" ? window.location.origin : source))
    .filter((source) => /^https?:\/\//.test(source));
}

export function applyTeamsTheme(teamsTheme) {
  const theme = THEMES[teamsTheme];
  if (theme) document.documentElement.setAttribute("data-theme", theme);
}

// The widget follows the Teams theme as it changes; returns the host's locale (for dates) and
// display name (to prefill a name field), or null outside Teams.
export async function followTeams() {
  const teams = await joinTeams();
  if (!teams) return null;
  applyTeamsTheme(teams.context.app.theme);
  teams.sdk.app.registerOnThemeChangeHandler(applyTeamsTheme);
  const locale = teams.context.app.locale || "";
  if (locale) document.documentElement.dataset.locale = locale;
  return { locale, displayName: (teams.context.user && teams.context.user.displayName) || "" };
}

// Sign-in with Teams (docs/teams.md): the Entra ID token Teams gives this tab, for the server to
// check; this page never reads it. Joining never waits on it for long and never fails with it:
// without a token the person joins through the lobby, where the facilitator lets them in.
const SIGN_IN_TIMEOUT_MS = 5000;
// The second ask shows Microsoft's consent prompt, which a person needs time to read.
const CONSENT_TIMEOUT_MS = 60000;
const CONSENT_NEEDED = "resourceRequiresConsent";
const LOBBY = " You will wait in the lobby until the facilitator lets you in.";
const NOT_SIGNED_IN = {
  consent_refused: "Teams did not sign you in: permission to use your Teams account was not given.",
  failed: "Teams could not sign you in.",
  // Older Teams clients, on phones above all, never answer the request.
  timed_out: "Teams did not answer in time to sign you in.",
};

// Resolves to {token} inside Teams, or to {reason, message}: reason "not_in_teams" (no message:
// there is nothing to explain) or one of NOT_SIGNED_IN's, with a sentence for the person. Asks
// silently first; when Teams needs the person's consent, asks once more, showing the prompt.
// Never rejects.
export async function teamsSignIn({
  timeout = SIGN_IN_TIMEOUT_MS,
  consentTimeout = CONSENT_TIMEOUT_MS,
} = {}) {
  const teams = await joinTeams();
  if (!teams) return { reason: "not_in_teams" };
  try {
    return { token: await askForToken(teams.sdk, { silent: true }, timeout) };
  } catch (error) {
    if (!String(error && error.message).includes(CONSENT_NEEDED)) return notSignedIn(error);
  }
  try {
    return { token: await askForToken(teams.sdk, { silent: false }, consentTimeout) };
  } catch (error) {
    return notSignedIn(error, "consent_refused");
  }
}

async function askForToken(sdk, request, ms) {
  const asked = Promise.resolve().then(() => sdk.authentication.getAuthToken(request));
  const token = await withTimeout(asked, ms);
  if (typeof token !== "string" || !token) throw new Error("Teams gave no token");
  return token;
}

function notSignedIn(error, otherwise = "failed") {
  const reason = error instanceof TimedOut ? "timed_out" : otherwise;
  return { reason, message: NOT_SIGNED_IN[reason] + LOBBY };
}

// The locale dates are written in: the Teams one when framed there, else the browser's own.
export function displayLocale() {
  return document.documentElement.dataset.locale || undefined;
}
