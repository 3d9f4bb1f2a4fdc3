// Calls to our JSON API; each resolves to the body ({} when there is none, as after a DELETE), or
// throws an Error carrying the server's message.
async function callApi(path, options) {
  let response;
  try {
    response = await fetch(path, options);
  } catch {
    throw new Error("Cannot reach the server. Check your connection and try again.");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(data.message || "Something went wrong. Please try again.");
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
export function deleteWithToken(path, token) {
  return callApi(path, { method: "DELETE", headers: { Authorization: `Bearer ${token}` } });
}

// The same page options (?theme=, which Teams sets) on the page we move on to.
export function keepingQuery(url) {
  const target = new URL(url, window.location.href);
  target.search = window.location.search;
  return target.toString();
}
