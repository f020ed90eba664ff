// Report editor: autosave narrative sections with a word count; draft rendering with progress.
"use strict";
(function () {
  // The page's language: the template hands its translated strings over as JSON.
  const T = JSON.parse(document.getElementById("report-text").textContent);
  const locale = document.documentElement.lang || "zh-CN";
  const fmt = (text, values) => text.replace(/\{(\w+)\}/g, (m, key) => (key in values ? values[key] : m));
  function countChars(text) { return text.replace(/\s/g, "").length; }

  function setupAutosave(form) {
    const area = form.querySelector("textarea");
    const count = form.querySelector("[data-wordcount]");
    const saved = form.querySelector("[data-saved]");
    let timer = null;
    let lastSent = area.defaultValue;  // what the server has: text typed before this script ran is saved below
    const showCount = () => { count.textContent = fmt(T.chars, { n: countChars(area.value) }); };
    let saving = Promise.resolve();
    // One save at a time: a blur and the typing timer would otherwise race to create the section's row.
    const save = () => { saving = saving.then(saveNow); return saving; };
    async function saveNow() {
      if (area.value === lastSent) return;
      const body = new FormData(form);
      const sending = area.value;
      saved.textContent = T.saving;
      try {
        const response = await fetch(form.action, { method: "POST", body, headers: { Accept: "application/json" } });
        const data = await response.json();
        if (!response.ok) throw new Error(data.error || response.status);
        lastSent = sending;
        saved.textContent = fmt(T.saved, { t: new Date(data.saved_at).toLocaleTimeString(locale) });
      } catch (error) {
        saved.textContent = fmt(T.save_failed, { x: error.message });
      }
    }
    area.addEventListener("input", () => { showCount(); clearTimeout(timer); timer = setTimeout(save, 1500); });
    area.addEventListener("blur", save);
    const insert = form.querySelector("[data-insert]");
    if (insert) {
      insert.addEventListener("click", () => {  // a finding from 问题清单 becomes a paragraph of the narrative
        const text = form.querySelector("[data-insert-source]").value;
        area.value = area.value ? area.value.replace(/\s*$/, "") + "\n" + text : text;
        area.dispatchEvent(new Event("input"));
        area.focus();
      });
      insert.disabled = false;  // served disabled: a click before this script ran would do nothing
    }
    showCount();
    if (area.value !== lastSent) save();  // typed while the page was still loading, before the listeners
  }

  function setupRender(form) {
    const progress = form.querySelector("[data-render-progress]");
    const status = form.querySelector("[data-render-status]");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      progress.hidden = false;
      status.textContent = T.queued;
      const response = await fetch(form.action, { method: "POST", body: new FormData(form), headers: { Accept: "application/json" } });
      const job = await response.json();
      poll(job.status_url);
    });
    async function poll(url) {
      const data = await (await fetch(url, { headers: { Accept: "application/json" } })).json();
      progress.value = data.progress;
      if (data.status === "done") {
        status.innerHTML = "";
        const link = document.createElement("a");
        link.href = data.download_url;
        link.textContent = fmt(T.download, { n: data.pages });
        status.appendChild(link);
      } else if (data.status === "failed") {
        status.textContent = fmt(T.render_failed, { x: data.error || "" });
      } else {
        status.textContent = fmt(T.rendering, { n: data.progress });
        setTimeout(() => poll(url), 800);
      }
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-autosave]").forEach(setupAutosave);
    document.querySelectorAll("form[data-render-form]").forEach(setupRender);
  });
})();
