/* Respondent page. Renders the questionnaire from its JSON definition (text via textContent, never HTML) and
   walks the server's plan (instruments/form.py: evaluation order and relevance chains) with EvalExpr, so the
   pages shown, the values computed and the answers sent are those the server will accept:
   - a page is shown when one of its questions is relevant; 下一页/上一页 skip the others both ways;
   - validation covers the relevant questions of the page (and of every shown page on 提交);
   - answers to questions that became irrelevant stay in the draft (going back restores them) but are not sent;
   - the draft lives in localStorage, submissions in an outbox that is retried until the server answers;
   - a service worker (/s/sw.js) keeps the page and its assets for a reload without network. */
(function () {
  "use strict";
  var root = document.getElementById("survey");
  if (!root) return;
  var E = window.EvalExpr;
  function json(id) { return JSON.parse(document.getElementById(id).textContent); }
  var def = json("survey-definition"), plan = json("survey-plan"), SAT = json("survey-satisfaction"), T = json("survey-text");
  var cfg = root.dataset, token = cfg.token, preview = !!cfg.preview;
  var DRAFT = "evalplatform.draft." + token, OUTBOX = "evalplatform.outbox", DEVICE = "evalplatform.device",
      DONE = "evalplatform.done." + token, LANG = "evalplatform.lang." + token;
  var memory = {}, store = preview ? {getItem: function (k) { return memory[k] || null; }, setItem: function (k, v) { memory[k] = v; },
                                      removeItem: function (k) { delete memory[k]; }} : window.localStorage;
  var statusBox = document.getElementById("survey-status");
  var sections = def.sections, byCode = {}, pageOf = {}, groups = {}, nodes = {}, heads = [], page = 0;
  sections.forEach(function (s, i) { s.questions.forEach(function (q) { byCode[q.code] = q; pageOf[q.code] = i; }); });
  (def.groups || []).forEach(function (g) { groups[g.code] = g; });

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
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock() {  /* the device's local date-time with offset: today() on both sides */
    var d = new Date(), off = -d.getTimezoneOffset(), sign = off >= 0 ? "+" : "-";
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" +
      pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + sign + pad(Math.floor(Math.abs(off) / 60)) + ":" + pad(Math.abs(off) % 60);
  }

  var device = store.getItem(DEVICE) || uuid4(); store.setItem(DEVICE, device);
  var lang = store.getItem(LANG) || def.language || "";
  if (lang !== (def.language || "") && (def.languages || []).indexOf(lang) < 0) lang = def.language || "";
  var draft, answers, env;
  function startDraft(previous) {
    draft = previous || {uuid: uuid4(), answers: {}, started: Date.now(), page: 0};
    draft.clock = draft.clock || clock();
    answers = draft.answers;
    env = {today: draft.clock.slice(0, 10), now: draft.clock, choiceName: choiceName};
  }
  function persist() { if (draft) { draft.page = page; save(DRAFT, draft); } }

  /* Texts in the chosen language, falling back to the base language. */
  var parser = window.DOMParser ? new DOMParser() : null, TAG = /<\/?([a-z][a-z0-9]*)\b[^<>]*>/gi,
      FORMATTING = /^(span|b|i|u|strong|em|br|font|p|div|small|big|sup|sub|h[1-6])$/i;
  function plain(text) {  /* XLSForm labels may carry <span style=…>: show the text of formatting markup only */
    var tags = text.match(TAG);
    if (!parser || !tags || !tags.every(function (t) { return FORMATTING.test(t.replace(/^<\/?/, "").split(/[\s>\/]/)[0]); })) return text;
    return parser.parseFromString(text.replace(/<br\s*\/?>/gi, " "), "text/html").body.textContent;
  }
  function tr(item, key) {
    var t = lang !== (def.language || "") && item.translations && item.translations[lang];
    return plain(String((t && t[key]) || item[key] || ""));
  }
  function choicesOf(q) { return (q.type === "satisfaction" || (q.type === "matrix" && !(q.choices && q.choices.length))) ? SAT : (q.choices || []); }
  function choiceName(code, value) {
    var q = byCode[code], c = q && choicesOf(q).filter(function (x) { return x.code === value; })[0];
    return c ? tr(c, "label") : value;
  }
  function isChoice(q) { return ["single_choice", "multiple_choice", "satisfaction", "site"].indexOf(q.type) >= 0; }
  function computed(q) { return !!(q.calculation || q.read_only || q.type === "calculate"); }
  function editable(q) { return q.type !== "note" && !computed(q); }

  /* The same walk as instruments/answers.py: relevance chain, then the value (computed or answered). */
  function offered(q, values) {
    var list = choicesOf(q);
    if (!q.choice_filter) return list;
    var node = E.parsed(q.choice_filter, true);
    return list.filter(function (c) {
      var choice = Object.assign({}, c.filter || {}, {name: c.code, label: c.label});
      return E.truthy(E.evaluate(node, values, null, Object.assign({}, env, {choice: choice})));
    });
  }
  function asValue(v) { return typeof v === "boolean" ? (v ? "true" : "false") : (typeof v === "number" && v !== v ? null : v); }
  function defaultOf(q, values) {
    var d = q["default"];
    if (d === undefined || d === null || d === "") return null;
    if (typeof d === "string" && (d.indexOf("${") >= 0 || d.indexOf("(") >= 0)) return asValue(E.evaluate(E.parsed(d), values, null, env));
    if (q.type === "multiple_choice") return String(d).split(/\s+/).filter(Boolean);
    return (q.type === "integer" || q.type === "decimal") && /^-?\d+(\.\d+)?$/.test(String(d)) ? Number(d) : d;
  }
  function answered(q, values) {
    var v = answers[q.code];
    if (E.isEmpty(v) || typeError(q, v)) return null;
    if (typeof v === "string") v = v.trim();
    if (isChoice(q)) {  /* only what is offered now (a filter may have moved on, a default may be stale) */
      var codes = offered(q, values).map(function (c) { return c.code; });
      if (Array.isArray(v)) v = v.filter(function (x) { return codes.indexOf(x) >= 0; });
      else if (codes.indexOf(v) < 0) v = null;
    }
    return v;
  }
  function evaluate() {
    var values = {}, relevant = {};
    plan.order.forEach(function (code) {
      var q = byCode[code];
      if (!plan.chains[code].every(function (t) { return E.check(t, values, null, env); })) return;
      relevant[code] = true;
      if (q.type === "note") return;
      var v = q.calculation ? asValue(E.evaluate(E.parsed(q.calculation), values, null, env))
        : computed(q) ? defaultOf(q, values) : answered(q, values);
      if (!E.isEmpty(v)) values[code] = v;
    });
    return {values: values, relevant: relevant};
  }
  function pageShown(i, st) { return sections[i].questions.some(function (q) { return q.type !== "calculate" && st.relevant[q.code]; }); }
  function step(from, dir, st) { for (var i = from + dir; i >= 0 && i < sections.length; i += dir) if (pageShown(i, st)) return i; return null; }

  /* ${name} in a label shows that question's current value (a choice by its label). */
  function fill(text, st) {
    return text.indexOf("${") < 0 ? text : text.replace(/\$\{([^{}\s]+)\}/g, function (m, name) {
      var v = st.values[name], q = byCode[name];
      if (E.isEmpty(v)) return "";
      if (q && isChoice(q)) return (Array.isArray(v) ? v : [v]).map(function (c) { return choiceName(name, c); }).join("、");
      return E.text(v);
    });
  }
  var fills = [];
  function textNode(tag, cls, text) { var e = el(tag, cls, text); if (text.indexOf("${") >= 0) fills.push([e, text]); return e; }

  function optionInput(type, name, choice, checked, onchange) {
    var label = el("label", "option"), input = el("input");
    input.type = type; input.name = name; input.value = choice.code; input.checked = checked;
    input.addEventListener("change", onchange);
    label.appendChild(input); label.appendChild(el("span", null, tr(choice, "label")));
    label.dataset.code = choice.code;
    return label;
  }
  function shuffled(list) { var a = list.slice(); for (var i = a.length - 1; i > 0; i--) { var j = Math.floor(Math.random() * (i + 1)); var t = a[i]; a[i] = a[j]; a[j] = t; } return a; }
  function renderChoices(q, box) {
    var list = q.randomize ? shuffled(choicesOf(q)) : choicesOf(q), multi = q.type === "multiple_choice";
    if (!multi && /minimal/.test(q.appearance || "")) return renderSelect(q, box, list);
    var opts = el("div", "options" + (/horizontal|likert/.test(q.appearance || "") ? " horizontal" : ""));
    list.forEach(function (c) {
      var cur = answers[q.code];
      opts.appendChild(optionInput(multi ? "checkbox" : "radio", q.code, c, multi ? (cur || []).indexOf(c.code) >= 0 : cur === c.code, function () {
        if (multi) {
          var picked = Array.prototype.map.call(opts.querySelectorAll("input:checked"), function (i) { return i.value; });
          answers[q.code] = choicesOf(q).map(function (x) { return x.code; }).filter(function (x) { return picked.indexOf(x) >= 0; });
        } else { answers[q.code] = this.value; }
        changed();
      }));
    });
    box.appendChild(opts);
  }
  function renderSelect(q, box, list) {
    var select = el("select"); select.name = q.code; select.id = "q-" + q.code;
    select.appendChild(el("option", null, "—")).value = "";
    list.forEach(function (c) { var o = el("option", null, tr(c, "label")); o.value = c.code; o.dataset.code = c.code; o.selected = answers[q.code] === c.code; select.appendChild(o); });
    select.addEventListener("change", function () { if (select.value) answers[q.code] = select.value; else delete answers[q.code]; changed(); });
    box.appendChild(select);
  }
  function renderMatrix(q, box) {
    (q.items || []).forEach(function (item) {
      var row = el("div", "matrix-item"); row.appendChild(el("div", "label", tr(item, "label")));
      var opts = el("div", "options horizontal"), cur = answers[q.code] || {};
      choicesOf(q).forEach(function (c) {
        opts.appendChild(optionInput("radio", q.code + "." + item.code, c, cur[item.code] === c.code, function () {
          var v = answers[q.code] || {}; v[item.code] = this.value; answers[q.code] = v; changed();
        }));
      });
      row.appendChild(opts); box.appendChild(row);
    });
  }
  function renderInput(q, box) {
    var input, numeric = ["integer", "rating", "decimal"].indexOf(q.type) >= 0;
    if (q.type === "text" && (/multiline/.test(q.appearance || "") || (q.max_length || 5000) > 200 && !q.appearance)) input = el("textarea");
    else { input = el("input"); input.type = q.type === "date" ? "date" : numeric ? "number" : "text";
      if (q.type === "decimal") input.step = "any"; if (q.type === "integer" || q.type === "rating") { input.step = "1"; input.inputMode = "numeric"; } }
    input.id = "q-" + q.code; input.name = q.code;
    if (computed(q)) { input.readOnly = true; input.tabIndex = -1; box.classList.add("readonly"); }
    else if (answers[q.code] !== undefined && answers[q.code] !== null) input.value = answers[q.code];
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
  function renderQuestion(q) {
    var box = el("div", "question"); box.dataset.code = q.code;
    var single = ["text", "integer", "decimal", "date", "rating"].indexOf(q.type) >= 0 || (q.type === "site") || /minimal/.test(q.appearance || "");
    var legend = el(q.type === "note" ? "p" : (single ? "label" : "div"), "label");
    if (single) legend.htmlFor = "q-" + q.code;
    legend.appendChild(textNode("span", null, tr(q, "label"))); legend.appendChild(el("span", "req", " *"));
    box.appendChild(legend);
    if (tr(q, "hint")) box.appendChild(textNode("p", "hint", tr(q, "hint")));
    if (q.type === "site") renderSelect(q, box, q.choices || []);
    else if (isChoice(q)) renderChoices(q, box);
    else if (q.type === "matrix") renderMatrix(q, box);
    else if (q.type !== "note" && q.type !== "photo") renderInput(q, box);
    box.appendChild(el("p", "error"));
    nodes[q.code] = box;
    return box;
  }
  /* Headings of the nested groups a page contains, shown while one of their questions is. */
  function groupChain(code) { var chain = []; while (code && groups[code] && chain.indexOf(code) < 0) { chain.unshift(code); code = groups[code].parent; } return chain; }
  function renderPage(s) {
    var sec = el("section", "section"), open = groupChain(s.group);
    var title = s.group && groups[s.group] ? tr(groups[s.group], "label") : tr(s, "title");
    if (title) sec.appendChild(textNode("h2", null, title));
    s.questions.forEach(function (q) {
      if (q.type === "calculate") return;
      groupChain(q.group).forEach(function (code, depth) {
        if (open[depth] === code || !tr(groups[code], "label")) return;
        open = groupChain(code);
        var h = textNode("h3", "group-title", tr(groups[code], "label"));
        heads.push([h, code]); sec.appendChild(h);
      });
      open = groupChain(q.group);
      sec.appendChild(renderQuestion(q));
    });
    return sec;
  }

  var form, progressText, progressBar, prev, next, send, pagesNodes = [];
  var numbered = sections.map(function (s) { return s.questions.some(function (q) { return q.type !== "calculate"; }); });
  var total = numbered.filter(Boolean).length;
  function build() {
    root.textContent = ""; nodes = {}; heads = []; fills = []; pagesNodes = [];
    if ((def.languages || []).length) root.appendChild(languageSwitch());
    var progress = el("div", "progress"), bar = el("div", "progress-bar");
    progressText = el("div"); progressBar = el("span");
    bar.appendChild(progressBar); progress.appendChild(progressText); progress.appendChild(bar); root.appendChild(progress);
    form = el("div", "pages");
    sections.forEach(function (s) { var p = renderPage(s); pagesNodes.push(p); form.appendChild(p); });
    root.appendChild(form);
    var nav = el("div", "nav");
    prev = el("button", "secondary", T.prev); next = el("button", null, T.next); send = el("button", null, T.submit);
    [prev, next, send].forEach(function (b) { b.type = "button"; nav.appendChild(b); });
    prev.dataset.testid = "survey-prev"; next.dataset.testid = "survey-next"; send.dataset.testid = "survey-submit";
    root.appendChild(nav);
    prev.addEventListener("click", function () { var j = step(page, -1, evaluate()); show(j === null ? page : j); });
    next.addEventListener("click", function () { var st = evaluate(); if (validate([page], st)) { var j = step(page, 1, st); if (j !== null) show(j); } });
    send.addEventListener("click", submit);
  }
  function languageSwitch() {
    var box = el("label", "language"), select = el("select");
    box.appendChild(el("span", null, T.language));
    [def.language || ""].concat(def.languages).forEach(function (name) {
      var o = el("option", null, name ? name.replace(/\s*\([^)]*\)\s*$/, "") : T.default_language); o.value = name; o.selected = name === lang; select.appendChild(o);
    });
    select.addEventListener("change", function () { lang = select.value; store.setItem(LANG, lang); build(); show(page, true); });
    box.appendChild(select);
    return box;
  }

  function refresh(st) {
    Object.keys(nodes).forEach(function (code) { nodes[code].hidden = !st.relevant[code]; });
    heads.forEach(function (h) { h[0].hidden = !sections[page].questions.some(function (q) { return st.relevant[q.code] && groupChain(q.group).indexOf(h[1]) >= 0; }); });
    fills.forEach(function (f) { f[0].textContent = fill(f[1], st); });
    sections.forEach(function (s) { s.questions.forEach(function (q) {
      var box = nodes[q.code]; if (!box) return;
      box.classList.toggle("required", editable(q) && required(q, st.values));
      if (computed(q) && box.querySelector("input,textarea")) box.querySelector("input,textarea").value = E.text(st.values[q.code]);
      if (q.choice_filter) { var codes = offered(q, st.values).map(function (c) { return c.code; });
        Array.prototype.forEach.call(box.querySelectorAll("[data-code]"), function (o) { o.hidden = codes.indexOf(o.dataset.code) < 0; }); }
    }); });
    var before = step(page, -1, st), after = step(page, 1, st);
    prev.hidden = before === null; next.hidden = after === null; send.hidden = after !== null;
  }
  function show(i, keepScroll) {
    var st = evaluate();
    if (!pageShown(i, st)) { var j = step(i, 1, st); i = j !== null ? j : (step(i, -1, st) !== null ? step(i, -1, st) : i); }
    page = i;
    pagesNodes.forEach(function (p, k) { p.hidden = k !== page; });
    var position = numbered.slice(0, page + 1).filter(Boolean).length;  /* the form's own numbering: never shifts */
    progressText.textContent = T.progress.replace("{i}", position).replace("{n}", total);
    progressBar.style.width = Math.round(100 * position / Math.max(total, 1)) + "%";
    refresh(st); persist();
    if (!keepScroll) window.scrollTo(0, 0);
  }
  function changed() { draft.touched = true; var st = evaluate(); refresh(st); persist(); }

  function required(q, values) { return typeof q.required === "string" ? E.check(q.required, values, null, env) : !!q.required; }
  function typeError(q, v) {
    if (q.type === "integer" || q.type === "rating") { if (typeof v !== "number" || Math.floor(v) !== v) return T.integer; }
    if (q.type === "decimal" && typeof v !== "number") return T.number;
    if (q.type === "date" && !/^\d{4}-\d{2}-\d{2}$/.test(v)) return T.date;
    return null;
  }
  function checkOne(q, st) {
    var raw = answers[q.code], v = st.values[q.code];
    if (!E.isEmpty(raw) && typeError(q, raw)) return typeError(q, raw);
    if (E.isEmpty(v)) return required(q, st.values) ? (tr(q, "required_message") || T.required) : null;
    if (q.type === "integer" || q.type === "rating" || q.type === "decimal") {
      var low = q.min !== undefined && q.min !== null ? q.min : (q.type === "rating" ? 0 : null);
      if (low !== null && v < low) return fmt(T.min, low);
      if (q.max !== undefined && q.max !== null && v > q.max) return fmt(T.max, q.max);
    }
    if (q.type === "multiple_choice") {
      if (q.min && v.length < q.min) return fmt(T.min_sel, q.min);
      if (q.max && v.length > q.max) return fmt(T.max_sel, q.max);
    }
    if (q.type === "matrix" && q.required === true && Object.keys(v).length < (q.items || []).length) return T.matrix;
    if (q.type === "date" && ((q.min && v < q.min) || (q.max && v > q.max))) return fmt(v < q.min ? T.min : T.max, v < q.min ? q.min : q.max);
    if (q.type === "text") {
      var limit = Math.min(q.max_length || 5000, 100000);
      if (Array.from(v).length > limit) return fmt(T.too_long, limit);
      if (q.pattern) { try { if (!new RegExp("^(?:" + q.pattern + ")$", "u").test(v)) return tr(q, "constraint_message") || T.format; } catch (e) { /* server decides */ } }
    }
    if (q.constraint && !E.check(q.constraint, st.values, v, env)) return tr(q, "constraint_message") || T.constraint;
    return null;
  }
  /* Relevant, answerable questions of the given pages; marks errors and shows the first. */
  function validate(pages, st) {
    var first = null;
    pages.forEach(function (i) { sections[i].questions.forEach(function (q) {
      if (!editable(q) || !nodes[q.code]) return;
      var msg = st.relevant[q.code] ? checkOne(q, st) : null, box = nodes[q.code];
      box.classList.toggle("invalid", !!msg); box.querySelector(".error").textContent = msg || "";
      if (msg && !first) first = q;
    }); });
    if (first) { if (pageOf[first.code] !== page) show(pageOf[first.code]); nodes[first.code].scrollIntoView({block: "center"}); }
    return !first;
  }
  function payload(st) {
    var clean = {};
    plan.order.forEach(function (code) { if (editable(byCode[code]) && code in st.values) clean[code] = st.values[code]; });
    return {client_uuid: draft.uuid, answers: clean, device_token: device, clock: clock(),
            duration_s: Math.round((Date.now() - draft.started) / 1000)};
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
          save(OUTBOX, load(OUTBOX, []).filter(function (x) { return x.payload.client_uuid !== item.payload.client_uuid; }));
          if (r.ok) save("evalplatform.done." + item.token, {at: Date.now()});
          if (item.token === token) done(r.ok, body, item);
          flushing = false; flush();
        });
      })
      .catch(function () { flushing = false; if (item.token === token) setStatus(T.offline, "warn"); });
  }
  function notice(testid, title, text, again) {
    root.textContent = "";
    var box = el("section", "thanks"); box.dataset.testid = testid;
    box.appendChild(el("h2", null, title)); box.appendChild(el("p", null, text));
    if (again) { var b = el("button", null, T.again); b.type = "button"; b.dataset.testid = "survey-again";
      b.addEventListener("click", function () { startDraft(); build(); show(0); setStatus(""); }); box.appendChild(b); }
    root.appendChild(box); setStatus("");
  }
  function done(ok, body, item) {
    if (ok) { notice("survey-thanks", T.thanks_title, T.thanks, false); return; }
    if (!draft) startDraft({uuid: item.payload.client_uuid, answers: item.payload.answers, started: Date.now(), page: 0, clock: item.payload.clock});
    if (!form || !form.parentNode) { build(); show(0); }
    var codes = Object.keys(body.errors || {}).filter(function (c) { return nodes[c]; });
    codes.forEach(function (c) { nodes[c].classList.add("invalid"); nodes[c].querySelector(".error").textContent = body.errors[c]; });
    if (codes.length) { show(pageOf[codes[0]]); nodes[codes[0]].scrollIntoView({block: "center"}); }
    save(DRAFT, draft);
    setStatus(T.refused + (body.error || ""), "bad");
  }
  function submit() {
    var st = evaluate(), shown = sections.map(function (s, i) { return i; }).filter(function (i) { return pageShown(i, st); });
    if (!validate(shown, st)) { setStatus(T.fix, "bad"); return; }
    if (preview) { setStatus(T.thanks_title); return; }
    var box = load(OUTBOX, []);
    box.push({url: cfg.submitUrl, token: token, payload: payload(st)});
    save(OUTBOX, box);
    store.removeItem(DRAFT); draft = null;
    notice("survey-pending", T.sending_title, T.sending, false);
    flush();
  }

  var saved = load(DRAFT, null);
  if (saved && !saved.touched) saved = null;  /* opened but never answered: not a draft to resume */
  var pending = load(OUTBOX, []).some(function (x) { return x.token === token; });
  if (pending && !saved) notice("survey-pending", T.sending_title, T.offline, false);
  else if (!saved && load(DONE, null) && !preview) notice("survey-done", T.done_title, cfg.allowAgain ? T.done_again : T.done_once, !!cfg.allowAgain);
  else {
    startDraft(saved);
    if (!saved) sections.forEach(function (s) { s.questions.forEach(function (q) {
      if (editable(q) && q["default"] !== undefined && q["default"] !== "") { var d = defaultOf(q, {}); if (!E.isEmpty(d)) answers[q.code] = d; }
    }); });
    build(); show(draft.page || 0);
  }
  window.addEventListener("online", flush);
  setInterval(flush, 15000);
  flush();
  if (!preview && "serviceWorker" in navigator && cfg.worker) {
    navigator.serviceWorker.register(cfg.worker, {scope: cfg.scope}).catch(function () { /* no offline reload, still works online */ });
    if (window.caches) caches.open(cfg.cache).then(function (c) {
      return c.match(location.href).then(function (hit) { if (!hit) return c.addAll([location.href].concat(JSON.parse(cfg.assets))); });
    }).catch(function () {});
  }
})();
