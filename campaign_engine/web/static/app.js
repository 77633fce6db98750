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
});
