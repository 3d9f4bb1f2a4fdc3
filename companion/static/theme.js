// Applies ?theme=light|dark|contrast before first paint; without it the OS preference decides.
// Teams fills ?theme={theme} in a tab's address with its own names, where "default" is light.
(function () {
  var theme = new URLSearchParams(window.location.search).get("theme");
  if (theme === "default") theme = "light";
  if (theme === "light" || theme === "dark" || theme === "contrast") {
    document.documentElement.setAttribute("data-theme", theme);
  }
})();
