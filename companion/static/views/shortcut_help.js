// The "?" list of keyboard shortcuts: a modal dialog, built here so the page's markup stays as it
// is. It lists what each key does and what it would do now (or why not). Escape or its Close
// button shuts it, and the focus goes back where it was.
import { el } from "../dom.js";

let dialog = null;
let rowsBody = null;
let returnTo = null;

function build() {
  rowsBody = el("tbody");
  const close = el("button", { text: "Close", className: "secondary", attrs: { type: "button" } });
  dialog = el("dialog", {
    className: "shortcut-help",
    attrs: { id: "shortcut-help", "aria-labelledby": "shortcut-help-heading", "aria-describedby": "shortcut-help-note" },
  }, [
    el("h2", { text: "Keyboard shortcuts", attrs: { id: "shortcut-help-heading", tabindex: "-1" } }),
    el("p", {
      className: "hint",
      text: "A key does what its button does, whenever the focus is not in a text field.",
      attrs: { id: "shortcut-help-note" },
    }),
    el("table", { className: "shortcut-table" }, [
      el("thead", {}, [el("tr", {}, [
        el("th", { text: "Key", attrs: { scope: "col" } }),
        el("th", { text: "What it does", attrs: { scope: "col" } }),
      ])]),
      rowsBody,
    ]),
    close,
  ]);
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", giveFocusBack);
  document.getElementById("main").append(dialog);
}

// Back to what had the focus; if a re-render replaced it meanwhile, to its successor (the control
// with the same key), as the regions themselves do.
function giveFocusBack() {
  const before = returnTo;
  returnTo = null;
  if (!before) return;
  const key = before.dataset ? before.dataset.key : undefined;
  const successor = before.isConnected || !key
    ? before : [...document.querySelectorAll("[data-key]")].find((element) => element.dataset.key === key);
  if (successor && successor.isConnected) successor.focus();
}

function fillRows(rows) {
  rowsBody.replaceChildren(...rows.map((row) => el("tr", {}, [
    el("th", { attrs: { scope: "row" } }, [el("kbd", { text: row.key })]),
    el("td", {}, [
      el("span", { text: row.does }),
      ...(row.now ? [el("span", { text: row.now, className: "shortcut-now hint" })] : []),
    ]),
  ])));
}

export function showShortcutHelp(rows) {
  if (!dialog) build();
  fillRows(rows);
  if (dialog.open) return;
  returnTo = document.activeElement;
  dialog.showModal();
  // Its top, not its Close button at the bottom: the list is read from the start, in view.
  dialog.querySelector("h2").focus();
}

// While it is open, the list follows the meeting.
export function refreshShortcutHelp(rows) {
  if (dialog && dialog.open) fillRows(rows);
}
