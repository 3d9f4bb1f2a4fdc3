// Applies ?theme=light|dark|contrast before first paint; without it the OS preference decides.
(function () {
  var theme = new URLSearchParams(window.location.search).get("theme");
  if (theme === "light" || theme === "dark" || theme === "contrast") {
    document.documentElement.setAttribute("data-theme", theme);
  }
})();
