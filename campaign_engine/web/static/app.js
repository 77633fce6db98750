// Small page behaviours that need no framework: a logo preview before upload.
document.addEventListener("DOMContentLoaded", () => {
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
