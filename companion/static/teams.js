// Microsoft Teams, when (and only when) a page runs framed inside it. Outside a frame nothing here
// loads, so a plain tab beside Zoom or Meet, or a phone, never fetches the Teams library.
// Teams tells us its theme, its locale and the user's display name. The name only prefills a
// field: it is never proof of who someone is.

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

function withTimeout(promise, ms) {
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error("no Teams host")), ms)),
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

// The locale dates are written in: the Teams one when framed there, else the browser's own.
export function displayLocale() {
  return document.documentElement.dataset.locale || undefined;
}
