// A file the server makes for the bearer (their notes, the set's record), saved to the device's
// downloads. It is fetched with the token in a header, never in a URL, then handed to the
// browser from the page's own memory, byte for byte, through a link clicked once and let go.
import { readBlobWithToken } from "./api.js";

export async function downloadWithToken(path, token, filename) {
  const url = URL.createObjectURL(await readBlobWithToken(path, token));
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}
