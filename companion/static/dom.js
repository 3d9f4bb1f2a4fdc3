// Small builders so every region renders with textContent only: names can never become markup.
export const byId = (id) => document.getElementById(id);

export function el(tag, options = {}, children = []) {
  const element = document.createElement(tag);
  if (options.text !== undefined) element.textContent = options.text;
  if (options.className) element.className = options.className;
  for (const [key, value] of Object.entries(options.attrs || {})) element.setAttribute(key, value);
  element.append(...children);
  return element;
}

// A button that sends a command: the widget's one click handler reads data-command and data-args.
// `key` names the button's place, so focus stays on it when a re-render swaps its label (Raise my
// hand -> Lower my hand); `label` is its accessible name when the visible text is too short.
export function commandButton(text, command, { args = null, className = "", key = "", label = "" } = {}) {
  const attrs = { type: "button", "data-command": command };
  if (args) attrs["data-args"] = JSON.stringify(args);
  attrs["data-key"] = key || `${command}:${attrs["data-args"] || ""}`;
  if (label) attrs["aria-label"] = label;
  return el("button", { text, className, attrs });
}

// Replace a region's content. A keyboard user whose focus was inside keeps it: on the element
// with the same key if there is one, else on the region's heading, never lost to the page. A
// disclosure someone opened stays open.
export function fill(id, children) {
  const container = byId(id);
  const active = document.activeElement;
  const focusedKey = active && active !== container && container.contains(active)
    ? active.dataset.key : undefined;
  const openKeys = new Set([...container.querySelectorAll("details[open][data-key]")].map((d) => d.dataset.key));
  container.replaceChildren(...children);
  for (const details of container.querySelectorAll("details[data-key]")) {
    if (openKeys.has(details.dataset.key)) details.open = true;
  }
  if (focusedKey !== undefined) restoreFocus(container, focusedKey);
}

function restoreFocus(container, key) {
  const same = key ? [...container.querySelectorAll("[data-key]")].find((e) => e.dataset.key === key) : null;
  if (same) same.focus({ preventScroll: true });
  else focusHeading(container);
}

function focusHeading(element) {
  const heading = element.closest("section")?.querySelector("h2");
  if (!heading) return;
  heading.setAttribute("tabindex", "-1");
  heading.focus({ preventScroll: true });
}

// Hiding what holds the focus (the bid form, once the bid is placed) moves it to the region's
// heading rather than letting it fall back to the top of the page.
export function show(id, visible) {
  const element = byId(id);
  if (!visible && !element.hidden && element.contains(document.activeElement)) {
    element.hidden = true;
    focusHeading(element);
  }
  element.hidden = !visible;
}

export function setText(id, text) {
  const element = byId(id);
  if (element.textContent !== text) element.textContent = text;
}

export function ordinal(n) {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? "th" : { 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th";
  return `${n}${suffix}`;
}
