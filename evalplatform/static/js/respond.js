/* Respondent page: renders the questionnaire from its JSON definition (text via textContent, never HTML),
   applies skip logic with EvalExpr, keeps answers in localStorage until the server acknowledges them,
   and retries queued submissions when the phone comes back online. A client UUID makes retries harmless. */
(function () {
  "use strict";
  var root = document.getElementById("survey");
  if (!root) return;
  var def = JSON.parse(document.getElementById("survey-definition").textContent);
  var SAT = JSON.parse(document.getElementById("survey-satisfaction").textContent);
  var T = JSON.parse(document.getElementById("survey-text").textContent);
  var token = root.dataset.token, submitUrl = root.dataset.submitUrl, preview = !!root.dataset.preview;
  var DRAFT = "evalplatform.draft." + token, OUTBOX = "evalplatform.outbox", DEVICE = "evalplatform.device";
  var statusBox = document.getElementById("survey-status");
  var store = preview ? {getItem: function () { return null; }, setItem: function () {}, removeItem: function () {}} : window.localStorage;

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16); crypto.getRandomValues(b); b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function fmt(s, v) { return s.replace("{v}", v); }
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
  function load(key, fallback) { try { return JSON.parse(store.getItem(key)) || fallback; } catch (e) { return fallback; } }
  function save(key, value) { try { store.setItem(key, JSON.stringify(value)); } catch (e) { /* storage full: keep going */ } }

  var device = store.getItem(DEVICE) || uuid4(); store.setItem(DEVICE, device);
  var draft = load(DRAFT, null) || {uuid: uuid4(), answers: {}, started: Date.now()};
  var answers = draft.answers, page = 0, sections = def.sections, nodes = {};

  function choicesOf(q) { return (q.type === "satisfaction" || (q.type === "matrix" && !(q.choices && q.choices.length))) ? SAT : (q.choices || []); }
  function isEmpty(v) { return v === undefined || v === null || v === "" || (Array.isArray(v) && !v.length) || (typeof v === "object" && !Array.isArray(v) && !Object.keys(v).length); }
  function shuffled(list) { var a = list.slice(); for (var i = a.length - 1; i > 0; i--) { var j = Math.floor(Math.random() * (i + 1)); var t = a[i]; a[i] = a[j]; a[j] = t; } return a; }
  function persist() { save(DRAFT, draft); }

  function optionInput(type, name, choice, checked, onchange) {
    var label = el("label", "option"), input = el("input");
    input.type = type; input.name = name; input.value = choice.code; input.checked = checked;
    input.addEventListener("change", onchange);
    label.appendChild(input); label.appendChild(el("span", null, choice.label));
    return label;
  }
  function renderChoices(q, box) {
    var list = choicesOf(q); if (q.randomize) list = shuffled(list);
    var multi = q.type === "multiple_choice";
    list.forEach(function (c) {
      var cur = answers[q.code];
      box.appendChild(optionInput(multi ? "checkbox" : "radio", q.code, c, multi ? (cur || []).indexOf(c.code) >= 0 : cur === c.code, function () {
        if (multi) {
          var picked = Array.prototype.filter.call(box.querySelectorAll("input:checked"), function (i) { return true; }).map(function (i) { return i.value; });
          answers[q.code] = choicesOf(q).map(function (x) { return x.code; }).filter(function (x) { return picked.indexOf(x) >= 0; });
        } else { answers[q.code] = this.value; }
        changed();
      }));
    });
  }
  function renderMatrix(q, box) {
    (q.items || []).forEach(function (item) {
      var row = el("div", "matrix-item"); row.appendChild(el("div", "label", item.label));
      var opts = el("div", "options"), cur = answers[q.code] || {};
      choicesOf(q).forEach(function (c) {
        opts.appendChild(optionInput("radio", q.code + "." + item.code, c, cur[item.code] === c.code, function () {
          var v = answers[q.code] || {}; v[item.code] = this.value; answers[q.code] = v; changed();
        }));
      });
      row.appendChild(opts); box.appendChild(row);
    });
  }
  function renderInput(q, box) {
    var input;
    if (q.type === "text" && (q.max_length || 5000) > 200) input = el("textarea");
    else { input = el("input"); input.type = q.type === "date" ? "date" : (q.type === "text" ? "text" : "number");
      if (q.type === "decimal") input.step = "any"; if (q.type === "integer" || q.type === "rating") { input.step = "1"; input.inputMode = "numeric"; } }
    input.id = "q-" + q.code; input.name = q.code;
    if (answers[q.code] !== undefined && answers[q.code] !== null) input.value = answers[q.code];
    input.addEventListener("input", function () {
      var v = input.value.trim();
      if (v === "") delete answers[q.code];
      else if (q.type === "integer" || q.type === "rating") answers[q.code] = /^-?\d+$/.test(v) ? parseInt(v, 10) : v;
      else if (q.type === "decimal") answers[q.code] = /^-?\d+(\.\d+)?$/.test(v) ? parseFloat(v) : v;
      else answers[q.code] = input.value;
      changed();
    });
    box.appendChild(input);
  }
  function renderSite(q, box) {
    var select = el("select"); select.name = q.code; select.id = "q-" + q.code;
    select.appendChild(el("option", null, "—")).value = "";
    (q.choices || []).forEach(function (c) { var o = el("option", null, c.label); o.value = c.code; o.selected = answers[q.code] === c.code; select.appendChild(o); });
    select.addEventListener("change", function () { if (select.value) answers[q.code] = select.value; else delete answers[q.code]; changed(); });
    box.appendChild(select);
  }
  function renderQuestion(q) {
    var box = el("div", "question"); box.dataset.code = q.code;
    var single = ["text", "integer", "decimal", "date", "rating", "site"].indexOf(q.type) >= 0;
    var legend = el(q.type === "note" ? "p" : (single ? "label" : "div"), "label", q.label);
    if (single) legend.htmlFor = "q-" + q.code;
    if (q.required) legend.appendChild(el("span", "req", " *"));
    box.appendChild(legend);
    if (q.hint) box.appendChild(el("p", "hint", q.hint));
    if (q.type === "single_choice" || q.type === "multiple_choice" || q.type === "satisfaction") renderChoices(q, box);
    else if (q.type === "matrix") renderMatrix(q, box);
    else if (q.type === "site") renderSite(q, box);
    else if (q.type !== "note" && q.type !== "photo") renderInput(q, box);
    box.appendChild(el("p", "error"));
    nodes[q.code] = box;
    return box;
  }

  /* Values the expressions see: only answers to questions that are currently shown (as on the server). */
  function visibleValues() {
    var values = {};
    sections.forEach(function (s) {
      var shown = !s.relevant || EvalExpr.check(s.relevant, values);
      s.questions.forEach(function (q) {
        if (q.type === "note") return;
        if (shown && (!q.relevant || EvalExpr.check(q.relevant, values)) && !isEmpty(answers[q.code])) values[q.code] = answers[q.code];
      });
    });
    return values;
  }
  function sectionShown(s, values) { return !s.relevant || EvalExpr.check(s.relevant, values); }
  function questionShown(q, values) { return !q.relevant || EvalExpr.check(q.relevant, values); }

  function changed() { persist(); applyRelevance(); }
  function applyRelevance() {
    var values = visibleValues();
    sections.forEach(function (s) {
      var on = sectionShown(s, values);
      s.questions.forEach(function (q) { if (nodes[q.code]) nodes[q.code].hidden = !on || !questionShown(q, values); });
    });
  }

  function checkOne(q, v, values) {
    if (isEmpty(v)) return q.required ? T.required : null;
    var codes = choicesOf(q).map(function (c) { return c.code; });
    if (q.type === "integer" || q.type === "rating") { if (typeof v !== "number" || Math.floor(v) !== v) return T.integer; }
    if (q.type === "decimal" && typeof v !== "number") return T.number;
    if (q.type === "integer" || q.type === "rating" || q.type === "decimal") {
      var low = q.min !== undefined && q.min !== null ? q.min : (q.type === "rating" ? 0 : null);
      if (low !== null && v < low) return fmt(T.min, low);
      if (q.max !== undefined && q.max !== null && v > q.max) return fmt(T.max, q.max);
    }
    if (q.type === "multiple_choice") {
      if (q.min && v.length < q.min) return fmt(T.min_sel, q.min);
      if (q.max && v.length > q.max) return fmt(T.max_sel, q.max);
    }
    if (q.type === "matrix" && q.required && Object.keys(v).length < (q.items || []).length) return T.matrix;
    if (q.type === "date") {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return T.date;
      if (q.min && v < q.min) return fmt(T.min, q.min);
      if (q.max && v > q.max) return fmt(T.max, q.max);
    }
    if (q.type === "text") {
      var text = v.trim(), limit = Math.min(q.max_length || 5000, 100000);
      if (Array.from(text).length > limit) return fmt(T.too_long, limit);
      if (q.pattern) { try { if (!new RegExp("^(?:" + q.pattern + ")$", "u").test(text)) return q.constraint_message || T.format; } catch (e) { /* server decides */ } }
    }
    if (q.constraint && !EvalExpr.check(q.constraint, values, v)) return q.constraint_message || T.constraint;
    return null;
  }
  /* Validate the questions of one section (or all); marks errors, returns whether all are fine. */
  function validate(onlySection) {
    var values = {}, ok = true, first = null;
    sections.forEach(function (s, i) {
      var on = sectionShown(s, values);
      s.questions.forEach(function (q) {
        if (q.type === "note" || !on || !questionShown(q, values)) return;
        var v = answers[q.code], msg = checkOne(q, v, values), box = nodes[q.code];
        if (!isEmpty(v) && !msg) values[q.code] = v;
        if (onlySection !== undefined && i !== onlySection) return;
        box.classList.toggle("invalid", !!msg); box.querySelector(".error").textContent = msg || "";
        if (msg) { ok = false; first = first || box; }
      });
    });
    if (first) first.scrollIntoView({block: "center"});
    return ok;
  }
  function payload() {
    var values = visibleValues(), clean = {};
    sections.forEach(function (s) { s.questions.forEach(function (q) { if (q.code in values) clean[q.code] = values[q.code]; }); });
    return {client_uuid: draft.uuid, answers: clean, device_token: device, duration_s: Math.round((Date.now() - draft.started) / 1000)};
  }

  /* Offline queue: an item leaves the outbox only when the server has answered it for good. */
  var flushing = false;
  function setStatus(text, cls) { statusBox.textContent = text; statusBox.className = "status " + (cls || ""); }
  function flush() {
    var box = load(OUTBOX, []);
    if (flushing || !box.length) return;
    flushing = true;
    var item = box[0];
    fetch(item.url, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(item.payload), credentials: "omit"})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (r.status >= 500) throw new Error("server " + r.status);
          var rest = load(OUTBOX, []).filter(function (x) { return x.payload.client_uuid !== item.payload.client_uuid; });
          save(OUTBOX, rest);
          if (item.token === token) done(r.ok, body);
          flushing = false; flush();
        });
      })
      .catch(function () { flushing = false; if (item.token === token) setStatus(T.offline, "warn"); });
  }
  function done(ok, body) {
    if (ok) {
      root.textContent = "";
      var thanks = el("section", "thanks"); thanks.dataset.testid = "survey-thanks";
      thanks.appendChild(el("h2", null, T.thanks_title)); thanks.appendChild(el("p", null, T.thanks));
      root.appendChild(thanks); setStatus("");
      return;
    }
    var msg = T.refused + (body.error || "");
    Object.keys(body.errors || {}).forEach(function (code) { if (nodes[code]) { nodes[code].classList.add("invalid"); nodes[code].querySelector(".error").textContent = body.errors[code]; } });
    setStatus(msg, "bad");
  }
  function submit() {
    if (!validate()) { setStatus(T.fix, "bad"); return; }
    if (preview) { setStatus(T.thanks_title); return; }
    var box = load(OUTBOX, []);
    box.push({url: submitUrl, token: token, payload: payload()});
    save(OUTBOX, box);
    store.removeItem(DRAFT);
    setStatus(T.sending);
    flush();
  }

  function showPage(i) {
    var values = visibleValues();
    while (i < sections.length - 1 && !sectionShown(sections[i], values)) i++;  /* skip hidden sections */
    page = i;
    Array.prototype.forEach.call(root.querySelectorAll(".section"), function (s, k) { s.hidden = k !== page; });
    var shownCount = sections.filter(function (s) { return sectionShown(s, values); }).length;
    var position = sections.slice(0, page + 1).filter(function (s) { return sectionShown(s, values); }).length;
    progressText.textContent = T.progress.replace("{i}", position).replace("{n}", shownCount);
    progressBar.style.width = Math.round(100 * position / Math.max(shownCount, 1)) + "%";
    prev.hidden = page === 0;
    var last = sections.slice(page + 1).every(function (s) { return !sectionShown(s, values); });
    next.hidden = last; send.hidden = !last;
    window.scrollTo(0, 0);
  }

  var progress = el("div", "progress"), progressText = el("div"), barBox = el("div", "progress-bar"), progressBar = el("span");
  barBox.appendChild(progressBar); progress.appendChild(progressText); progress.appendChild(barBox); root.appendChild(progress);
  sections.forEach(function (s) {
    var sec = el("section", "section"); if (s.title) sec.appendChild(el("h2", null, s.title));
    s.questions.forEach(function (q) { sec.appendChild(renderQuestion(q)); });
    root.appendChild(sec);
  });
  var nav = el("div", "nav"), prev = el("button", "secondary", T.prev), next = el("button", null, T.next), send = el("button", null, T.submit);
  [prev, next, send].forEach(function (b) { b.type = "button"; nav.appendChild(b); });
  send.dataset.testid = "survey-submit";
  root.appendChild(nav);
  prev.addEventListener("click", function () { var values = visibleValues(), i = page - 1; while (i > 0 && !sectionShown(sections[i], values)) i--; showPage(Math.max(i, 0)); });
  next.addEventListener("click", function () { if (validate(page)) showPage(page + 1); });
  send.addEventListener("click", submit);
  applyRelevance(); showPage(0);
  window.addEventListener("online", flush);
  setInterval(flush, 15000);
  flush();
})();
