// Indicator tree editor and scoring workspace: each changed field is sent with fetch() as JSON
// (CSRF token in the X-CSRFToken header); the reply's roll-up updates the total and grade in place.
(() => {
  const token = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token() },
      body: JSON.stringify(body),
    });
    let data = {};
    try { data = await response.json(); } catch (_e) { data = {}; }
    if (!response.ok || !data.ok) throw new Error(data.error || "");
    return data;
  }

  function showSummary(summary) {
    const bar = document.querySelector("[data-testid=score-summary]");
    if (!bar || !summary) return;
    bar.querySelector("[data-testid=total]").textContent = summary.total ?? "—";
    bar.querySelector("[data-testid=grade]").textContent = summary.grade_label ?? "—";
    bar.querySelector("[data-testid=unscored]").textContent = summary.unscored;
    bar.querySelector("[data-testid=missing-rationales]").textContent = summary.missing_rationales;
    bar.querySelector(".rescaled").hidden = !summary.rescaled;
    const problems = bar.querySelector("[data-testid=problems]");
    problems.replaceChildren(...summary.problems.map((p) => Object.assign(document.createElement("li"), { textContent: p })));
    const labels = document.querySelector("[data-na-label]")?.dataset || {};
    document.querySelectorAll("[data-score-for]").forEach((cell) => {
      const value = summary.scores[cell.dataset.scoreFor];
      const row = cell.closest("tr");
      const na = row.querySelector("[data-k=not_applicable]")?.checked;
      // As the server writes it (formatting.score): "8.5分", "未评分" for a level-3 indicator without a score.
      const unscored = row.dataset.indicator ? (labels.unscoredLabel || "—") : "—";
      const shown = value == null ? unscored : `${Number(value)}${labels.scoreUnit || ""}`;
      cell.textContent = na ? (labels.naLabel || "N/A") : shown;
      if (row.dataset.indicator) row.classList.toggle("missing", summary.missing.includes(Number(row.dataset.indicator)));
    });
  }

  function numberOrNull(value) {
    const text = value.trim();
    return text === "" ? null : text;
  }

  function scorePayload(row) {
    const body = { inputs: {} };
    row.querySelectorAll("[data-k]").forEach((el) => {
      body[el.dataset.k] = el.type === "checkbox" ? el.checked : (el.tagName === "TEXTAREA" ? el.value : numberOrNull(el.value));
    });
    row.querySelectorAll("[data-input]").forEach((el) => { body.inputs[el.dataset.input] = numberOrNull(el.value); });
    const band = row.querySelector("[data-band]");
    if (band) body.inputs.band = band.value || null;  // inputs are merged on the server: null clears
    const elements = row.querySelectorAll("[data-element]");
    if (elements.length) body.inputs.met = [...elements].filter((el) => el.checked).map((el) => el.dataset.element);
    const deduction = row.querySelector("[data-deduction]");
    if (deduction) body.inputs.deductions = deduction.value.trim() !== "" ? [{ points: deduction.value.trim() }] : null;
    return body;
  }

  function wire(selector, urlKey, payload, after) {
    document.querySelectorAll(selector).forEach((row) => {
      row.addEventListener("change", async (event) => {
        if (!event.target.matches("input, select, textarea") || event.target.closest("form")) return;
        const error = row.querySelector("[data-role=error]");
        row.classList.add("saving");
        try {
          const data = await post(row.dataset[urlKey], payload(row, event.target));
          if (error) error.textContent = "";
          row.classList.remove("invalid");
          after(data, event.target);
        } catch (failure) {
          const fallback = row.closest("table").dataset.failedLabel;
          if (error) error.textContent = failure.message || fallback;
          row.classList.add("invalid");
        } finally {
          row.classList.remove("saving");
        }
      });
    });
  }

  function showCheck(check) {
    const panel = document.querySelector("[data-testid=tree-check]");
    if (!panel || !check) return;
    panel.querySelector("[data-role=problems]").replaceChildren(
      ...check.problems.map((p) => Object.assign(document.createElement("li"), { textContent: p })));
    const balance = panel.querySelector("[data-role=balance]");
    balance.textContent = check.balance_warning || "";
    balance.hidden = !check.balance_warning;
    panel.querySelector("[data-role=ok]").hidden = Boolean(check.problems.length || check.balance_warning);
  }

  document.addEventListener("DOMContentLoaded", () => {
    wire("tr[data-score-url]", "scoreUrl", scorePayload, (data) => showSummary(data.summary));
    wire("tr[data-edit-url]", "editUrl", (_row, field) => ({ [field.dataset.field]: field.value }),
      (data, field) => {
        showCheck(data.check);
        // The kind of target and the scoring inputs depend on these two: show the matching fields.
        if (["operator", "method"].includes(field.dataset.field)) window.location.reload();
      });
  });
})();
