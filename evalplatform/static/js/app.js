// Small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Ask before a form that destroys something is sent.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});

// Drag-and-drop onto an upload form's file input (desktop); the plain file picker still works.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-dropzone]").forEach((form) => {
    const zone = form.querySelector(".dropzone");
    const input = form.querySelector("input[type=file]");
    if (!zone || !input) return;
    ["dragenter", "dragover"].forEach((name) => zone.addEventListener(name, (event) => {
      event.preventDefault();
      zone.classList.add("dragover");
    }));
    ["dragleave", "drop"].forEach((name) => zone.addEventListener(name, () => zone.classList.remove("dragover")));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      input.files = event.dataTransfer.files;
    });
  });
});
