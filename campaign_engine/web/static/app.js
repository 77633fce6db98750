// Small page behaviours that need no framework (and no inline handlers, which the
// Content-Security-Policy refuses): a logo preview before upload, selects that submit.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  const input = document.getElementById("logo");
  const preview = document.getElementById("logo-preview");
  if (input && preview) {
    input.addEventListener("change", () => {
      const file = input.files && input.files[0];
      if (!file) return;
      preview.src = URL.createObjectURL(file);
      preview.alt = "The logo you are about to upload";
      preview.hidden = false;
    });
  }
  // A table wider than a phone scrolls inside itself (app.css); keyboard users must be
  // able to reach it to scroll it, so a table that does scroll takes focus, and says so.
  function reachable() {
    document.querySelectorAll("table.data").forEach((table) => {
      if (table.scrollWidth > table.clientWidth + 1) {
        table.tabIndex = 0;
        if (!table.hasAttribute("aria-label") && !table.caption) {
          table.setAttribute("aria-label", "Table: scroll sideways to see every column");
        }
      } else if (table.tabIndex === 0) {
        table.removeAttribute("tabindex");
      }
    });
  }
  reachable();
  window.addEventListener("resize", reachable);
});

// Copy buttons in the asset library: the text of the field a button names, to the
// clipboard, with a word for screen readers (the span beside it is aria-live).
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  if (!field) return;
  const said = button.nextElementSibling;
  try {
    await navigator.clipboard.writeText(field.value);
    if (said) said.textContent = button.dataset.copied || "Copied";
  } catch (error) {
    field.select();  // no clipboard permission: selected, ready for Ctrl+C
    if (said) said.textContent = button.dataset.failed || "Selected: press Ctrl+C to copy";
  }
});

// The signature as rich content (what a mail client's signature editor pastes), with
// its HTML as plain text beside it for editors that only take text. The HTML is the
// snippet's field (absolute links), not the preview above it.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy-html]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copyHtml);
  if (!source) return;
  const said = button.nextElementSibling;
  const html = (source.value !== undefined ? source.value : source.innerHTML).trim();
  try {
    await navigator.clipboard.write([new ClipboardItem({
      "text/html": new Blob([html], { type: "text/html" }),
      "text/plain": new Blob([html], { type: "text/plain" }),
    })]);
    if (said) said.textContent = button.dataset.copied || "Copied";
  } catch (error) {
    source.select();
    if (said) said.textContent = button.dataset.failed || "Selected: press Ctrl+C to copy";
  }
});
