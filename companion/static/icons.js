// Line icons for the signals, drawn in currentColor so every theme (high contrast too) colours them.
// Built here rather than loaded: no request, no font that a phone might lack.
const SVG = "http://www.w3.org/2000/svg";

const SHAPES = {
  pause: [["path", { d: "M9 5v14M15 5v14" }]],
  clarity: [
    ["path", { d: "M9.2 9a2.9 2.9 0 1 1 4.1 2.6c-.8.4-1.3 1.1-1.3 2v.9" }],
    ["circle", { cx: "12", cy: "18.3", r: "0.6" }],
  ],
  slow_down: [["path", { d: "M4 17a8 8 0 0 1 16 0" }], ["path", { d: "M12 17 8.5 12" }]],
  advice: [["path", { d: "M4 5h16v11H10l-4 3.5V16H4z" }], ["path", { d: "M12 8v3.5M12 13.6v.1" }]],
  refocus: [["path", { d: "M9 14 4.5 9.5 9 5" }], ["path", { d: "M4.5 9.5H14a5 5 0 0 1 0 10h-3" }]],
  time: [["circle", { cx: "12", cy: "12", r: "8" }], ["path", { d: "M12 7.5V12l3 2" }]],
};

export function icon(name) {
  const svg = document.createElementNS(SVG, "svg");
  for (const [key, value] of Object.entries({
    viewBox: "0 0 24 24", width: "20", height: "20", fill: "none", stroke: "currentColor",
    "stroke-width": "2", "stroke-linecap": "round", "stroke-linejoin": "round",
    "aria-hidden": "true", focusable: "false", class: "icon",
  })) svg.setAttribute(key, value);
  for (const [tag, attributes] of SHAPES[name] || []) {
    const shape = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attributes)) shape.setAttribute(key, value);
    svg.append(shape);
  }
  return svg;
}
