// Small builders so every region renders with textContent only: names can never become markup.
export function el(tag, options = {}, children = []) {
  const element = document.createElement(tag);
  if (options.text !== undefined) element.textContent = options.text;
  if (options.className) element.className = options.className;
  for (const [key, value] of Object.entries(options.attrs || {})) element.setAttribute(key, value);
  element.append(...children);
  return element;
}

// A button that sends a command: the widget's one click handler reads data-command and data-args.
export function commandButton(label, command, args = null, className = "") {
  const attrs = { type: "button", "data-command": command };
  if (args) attrs["data-args"] = JSON.stringify(args);
  return el("button", { text: label, className, attrs });
}

export function fill(id, children) {
  document.getElementById(id).replaceChildren(...children);
}

export function show(id, visible) {
  document.getElementById(id).hidden = !visible;
}
