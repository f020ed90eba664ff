// Report editor: autosave narrative sections with a word count; draft rendering with progress.
"use strict";
(function () {
  function countChars(text) { return text.replace(/\s/g, "").length; }

  function setupAutosave(form) {
    const area = form.querySelector("textarea");
    const count = form.querySelector("[data-wordcount]");
    const saved = form.querySelector("[data-saved]");
    let timer = null;
    let lastSent = area.value;
    const showCount = () => { count.textContent = countChars(area.value) + " 字"; };
    async function save() {
      if (area.value === lastSent) return;
      const body = new FormData(form);
      const sending = area.value;
      saved.textContent = "保存中…";
      try {
        const response = await fetch(form.action, { method: "POST", body, headers: { Accept: "application/json" } });
        const data = await response.json();
        if (!response.ok) throw new Error(data.error || response.status);
        lastSent = sending;
        saved.textContent = "已自动保存 " + new Date(data.saved_at).toLocaleTimeString("zh-CN");
      } catch (error) {
        saved.textContent = "自动保存失败：" + error.message + "（内容仍在本页，可点“保存”重试）";
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
    }
    showCount();
  }

  function setupRender(form) {
    const progress = form.querySelector("[data-render-progress]");
    const status = form.querySelector("[data-render-status]");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      progress.hidden = false;
      status.textContent = "排队中…";
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
        link.textContent = "下载征求意见稿（" + data.pages + " 页）";
        status.appendChild(link);
      } else if (data.status === "failed") {
        status.textContent = "生成失败：" + (data.error || "");
      } else {
        status.textContent = "生成中 " + data.progress + "%";
        setTimeout(() => poll(url), 800);
      }
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-autosave]").forEach(setupAutosave);
    document.querySelectorAll("form[data-render-form]").forEach(setupRender);
  });
})();
