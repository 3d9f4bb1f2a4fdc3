// Links this device holds, so a reload, a dropped phone or a second visit to the invite link comes
// back as the same person instead of joining twice. Kept in this browser only.
const KEY = "companion.links";
const KEPT = 20;

export function rememberedLinks() {
  try {
    const links = JSON.parse(window.localStorage.getItem(KEY) || "[]");
    return Array.isArray(links) ? links.filter((link) => link && typeof link.token === "string") : [];
  } catch {
    return [];
  }
}

export function remember(link) {
  const others = rememberedLinks().filter((known) => known.set_id !== link.set_id);
  try {
    window.localStorage.setItem(KEY, JSON.stringify([link, ...others].slice(0, KEPT)));
  } catch {
    // Storage full or refused (a private window): the link in the address bar still works.
  }
}

// After a person deletes their data from a set, this device no longer offers its link.
export function forget(setId) {
  try {
    window.localStorage.setItem(KEY, JSON.stringify(rememberedLinks().filter((known) => known.set_id !== setId)));
  } catch {
    // Refused: nothing was kept either.
  }
}
