// Calls to our JSON API; each resolves to the body ({} when there is none, as after a DELETE), or
// throws an Error carrying the server's message. `asText` reads a body that is not JSON (a file);
// `asBlob` keeps a file's bytes exactly as sent (text() would drop a CSV's byte order mark).
async function callApi(path, options, { asText = false, asBlob = false } = {}) {
  let response;
  try {
    response = await fetch(path, options);
  } catch {
    throw new Error("Cannot reach the server. Check your connection and try again.");
  }
  if (asText && response.ok) return response.text();
  if (asBlob && response.ok) return response.blob();
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(data.message || "Something went wrong. Please try again.");
    error.code = data.error || "";
    throw error;
  }
  return data;
}

export function postJson(path, body) {
  return callApi(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

// The participant token goes in a header, never in the URL, so it stays out of server logs.
const bearer = (token) => ({ Authorization: `Bearer ${token}` });

export function deleteWithToken(path, token) {
  return callApi(path, { method: "DELETE", headers: bearer(token) });
}

export function postWithToken(path, token) {
  return callApi(path, { method: "POST", headers: bearer(token) });
}

export function getWithToken(path, token) {
  return callApi(path, { headers: bearer(token) });
}

export function putJsonWithToken(path, token, body) {
  return callApi(path, {
    method: "PUT",
    headers: { ...bearer(token), "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

export function readTextWithToken(path, token) {
  return callApi(path, { headers: bearer(token) }, { asText: true });
}

export function readBlobWithToken(path, token) {
  return callApi(path, { headers: bearer(token) }, { asBlob: true });
}

// The same page options (?theme=, which Teams sets) on the page we move on to.
export function keepingQuery(url) {
  const target = new URL(url, window.location.href);
  target.search = window.location.search;
  return target.toString();
}
