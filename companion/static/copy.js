// "Copy" buttons next to read-only link fields: <button data-copy="field-id">.
export function wireCopyButtons(statusElement) {
  document.querySelectorAll("[data-copy]").forEach((button) => {
    button.addEventListener("click", async () => {
      const field = document.getElementById(button.dataset.copy);
      field.select();
      try {
        await navigator.clipboard.writeText(field.value);
        statusElement.textContent = "Link copied.";
      } catch {
        statusElement.textContent = "Press Ctrl+C (or long-press) to copy the selected link.";
      }
    });
  });
}
