/* Offline-first inspection app. Everything the evaluator does is written to IndexedDB first: the inspection
   document (drafts, states) and an outbox of operations, each with its own client UUID. The outbox is sent
   in order when the network allows, with backoff; the server answers a repeated UUID as the first time, so
   a retry never duplicates. A saved item is read-only until the server has acknowledged it. Text is always
   set with textContent, never as HTML. */
(function () {
  "use strict";
  var root = document.getElementById("inspect-app");
  if (!root) return;
  var T = JSON.parse(document.getElementById("inspect-text").textContent);
  var D = root.dataset, ENG = Number(D.engagement), canWrite = !!D.canWrite;
  var view = document.getElementById("inspect-view"), statusBox = document.getElementById("queue-status");
  var data = null, pads = {};

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16); crypto.getRandomValues(b); b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined && text !== null) e.textContent = text; return e; }
  function fmt(s, values) { return s.replace(/\{(\w+)\}/g, function (m, k) { return values[k] !== undefined ? values[k] : m; }); }
  function localTime(iso) { return iso ? new Date(iso).toLocaleString("zh-CN", {hour12: false}) : ""; }

  /* ---- IndexedDB ---- */
  var dbPromise = null;
  function db() {
    if (!dbPromise) dbPromise = new Promise(function (resolve, reject) {
      var r = indexedDB.open("evalplatform-inspections", 1);
      r.onupgradeneeded = function () {
        r.result.createObjectStore("inspections", {keyPath: "uuid"});
        r.result.createObjectStore("outbox", {keyPath: "seq", autoIncrement: true});
      };
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
    return dbPromise;
  }
  function request(r) { return new Promise(function (resolve, reject) { r.onsuccess = function () { resolve(r.result); }; r.onerror = function () { reject(r.error); }; }); }
  function finished(t) { return new Promise(function (resolve, reject) { t.oncomplete = function () { resolve(); }; t.onerror = t.onabort = function () { reject(t.error); }; }); }
  async function getAll(store) { var d = await db(); return request(d.transaction(store).objectStore(store).getAll()); }
  async function getOne(store, key) { var d = await db(); return request(d.transaction(store).objectStore(store).get(key)); }
  /* The inspection document and its new operations are written together or not at all. */
  async function commit(insp, ops, removeSeq) {
    var d = await db(), t = d.transaction(["inspections", "outbox"], "readwrite");
    if (insp) t.objectStore("inspections").put(insp);
    (ops || []).forEach(function (op) { op.engagement = ENG; op.inspection = op.inspection || insp.uuid; t.objectStore("outbox").add(op); });
    if (removeSeq !== undefined) t.objectStore("outbox").delete(removeSeq);
    return finished(t);
  }
  /* Every read-modify-write of an inspection runs one at a time, on a fresh copy from the database, so an
     acknowledgement arriving while the evaluator types is never overwritten by a stale copy. */
  var lock = Promise.resolve();
  function modify(key, change) {
    var run = lock.then(async function () {
      var insp = await getOne("inspections", key);
      if (!insp) return null;
      var result = change(insp) || {};
      await commit(insp, result.ops || [], result.removeSeq);
      return insp;
    });
    lock = run.catch(function () {});
    return run;
  }
  async function outbox() { return (await getAll("outbox")).filter(function (o) { return o.engagement === ENG; }); }

  /* ---- sending ---- */
  var flushing = false, retryTimer = null, attempts = 0, lastProblem = null, retryIn = 0;
  async function freshToken() {
    var r = await fetch(D.tokenUrl, {credentials: "same-origin", headers: {Accept: "application/json"}});
    var type = r.headers.get("Content-Type") || "";
    if (r.redirected || r.status === 401 || type.indexOf("json") < 0) { var e = new Error("login"); e.login = true; throw e; }
    if (!r.ok) throw new Error("server " + r.status);
    return (await r.json()).csrf_token;
  }
  function send(item, token) {
    var headers = {"X-CSRFToken": token, Accept: "application/json"};
    if (item.kind === "photo") {
      var form = new FormData();
      Object.keys(item.fields).forEach(function (k) { if (item.fields[k] !== null && item.fields[k] !== undefined) form.append(k, item.fields[k]); });
      form.append("file", item.blob, item.filename);
      return fetch(D.photoUrl, {method: "POST", body: form, headers: headers, credentials: "same-origin"});
    }
    headers["Content-Type"] = "application/json";
    return fetch(D.syncUrl, {method: "POST", body: JSON.stringify(item.body), headers: headers, credentials: "same-origin"});
  }
  function mark(item, state) {
    return modify(item.inspection, function (insp) {
      var target = refOf(insp, item);
      if (target && target.state !== "acked") target.state = state;
    });
  }
  function refOf(insp, item) {
    if (item.kind === "entry") { var e = insp.entries[item.ref]; return e && e.uuid === item.body.client_uuid ? e : null; }
    if (item.kind === "photo") return insp.photos.filter(function (p) { return p.uuid === item.fields.client_uuid; })[0] || null;
    if (item.kind === "start") return insp.start;
    if (item.kind === "finish") return insp.finish && insp.finish.uuid === item.body.client_uuid ? insp.finish : null;
    return null;
  }
  async function settle(item, ok, body, status) {
    var found = await modify(item.inspection, function (insp) {
      var target = refOf(insp, item), error = null;
      if (!ok) {
        var details = Object.keys(body.errors || {}).map(function (k) { return body.errors[k]; }).filter(function (m) { return m !== body.error; });
        error = [body.error || ("HTTP " + status)].concat(details).join("；");
      }
      if (target) { target.state = ok ? "acked" : "failed"; target.error = error; }
      if (item.kind === "start" && ok) insp.serverId = body.id;
      if (item.kind === "photo" && ok && target) target.evidenceId = body.evidence_id;
      if (item.kind === "finish" && target) {
        if (ok) { insp.status = "finished"; insp.recordUrl = body.record_url; } else insp.status = "in_progress";
      }
      return {removeSeq: item.seq};
    });
    if (!found) { var d = await db(), t = d.transaction("outbox", "readwrite"); t.objectStore("outbox").delete(item.seq); await finished(t); }
  }
  async function flush() {
    if (flushing || !canWrite) return;
    flushing = true; clearTimeout(retryTimer); lastProblem = null;
    try {
      var items = await outbox();
      if (items.length) {
        var token = await freshToken();
        for (var i = 0; i < items.length; i++) {
          var item = items[i];
          await mark(item, "sending"); await render();
          var response = await send(item, token);
          if (response.status === 400) { token = await freshToken(); response = await send(item, token); }
          if (response.redirected || response.status === 401) { var e = new Error("login"); e.login = true; throw e; }
          if (response.status >= 500 || response.status === 429) throw new Error("server " + response.status);
          var body = await response.json().catch(function () { return {}; });
          await settle(item, response.ok, body, response.status);
        }
      }
      attempts = 0; retryIn = 0;
    } catch (error) {
      lastProblem = error.login ? "login" : "offline";
      attempts += 1; retryIn = Math.min(60, Math.pow(2, attempts));
      retryTimer = setTimeout(flush, retryIn * 1000);
    }
    flushing = false;
    await render();
  }

  async function showStatus() {
    var n = (await outbox()).length;
    if (!n) { statusBox.textContent = T.all_sent; statusBox.className = "queue"; return; }
    var text = fmt(T.pending, {n: n});
    if (lastProblem === "login") text += " · " + T.login;
    else if (!navigator.onLine || lastProblem) text += " · " + (retryIn ? fmt(T.retry, {s: retryIn}) : T.offline);
    else if (flushing) text += " · " + T.sending;
    statusBox.textContent = text; statusBox.className = "queue pending";
  }

  /* ---- screens ---- */
  function currentUuid() { var m = /^#i=([0-9a-f-]{36})$/.exec(location.hash); return m ? m[1] : null; }
  /* A background render (the queue moved on) does not rebuild the form under the user's fingers. */
  async function render(userAction) {
    await showStatus();
    var key = currentUuid(), active = document.activeElement;
    if (userAction === true && active && view.contains(active)) active.blur();
    else if (active && view.contains(active) && (active.tagName === "TEXTAREA" || active.type === "text" || active.type === "number")) {
      refreshStates(key); return;  /* do not rebuild under the user's fingers */
    }
    if (key) { var insp = await getOne("inspections", key); if (insp) { renderInspection(insp, await queuedPhotos(key)); return; } }
    renderHome();
  }
  async function refreshStates(key) {
    if (!key) return;
    var insp = await getOne("inspections", key);
    if (!insp) return;
    Object.keys(insp.entries).forEach(function (code) {
      var box = view.querySelector('.item[data-code="' + code + '"] .state');
      if (box) { var s = insp.entries[code].state || "draft"; box.textContent = T["state_" + s]; box.className = "state " + s; }
    });
  }

  async function renderHome() {
    view.textContent = "";
    if (!data) { view.appendChild(el("p", "err", T.no_data)); return; }
    if (canWrite) {
      var card = el("section", "card"); card.appendChild(el("h2", null, T["new"]));
      var site = selectOf("new-site", T.site, data.sites.map(function (s) { return [s.id, s.name]; }), card);
      var list = selectOf("new-checklist", T.checklist, data.checklists.map(function (c) { return [c.version_id, c.title]; }), card);
      var teamLabel = el("label", null, T.team); teamLabel.htmlFor = "new-team"; card.appendChild(teamLabel);
      var team = el("textarea"); team.id = "new-team"; team.rows = 2; team.value = data.user || ""; card.appendChild(team);
      var err = el("p", "err"); card.appendChild(err);
      var go = el("button", "primary", T.start); go.type = "button"; go.dataset.testid = "start-inspection"; card.appendChild(go);
      go.addEventListener("click", function () { startInspection(site.value, list.value, team.value, err, go); });
      view.appendChild(card);
    } else view.appendChild(el("p", "muted", T.read_only));
    var mine = (await getAll("inspections")).filter(function (i) { return i.engagement === ENG; });
    var section = el("section", "card"); section.appendChild(el("h2", null, T.mine));
    if (!mine.length) section.appendChild(el("p", "muted", T.none));
    mine.sort(function (a, b) { return a.startedAt < b.startedAt ? 1 : -1; }).forEach(function (i) {
      var row = el("p"), link = el("a", null, i.siteName + " · " + i.title + " · " + localTime(i.startedAt));
      link.href = "#i=" + i.uuid; row.appendChild(link);
      row.appendChild(el("span", "muted", " " + (i.status === "finished" ? T.finished : "")));
      section.appendChild(row);
    });
    view.appendChild(section);
  }
  function selectOf(id, label, options, parent) {
    var l = el("label", null, label); l.htmlFor = id; parent.appendChild(l);
    var s = el("select"); s.id = id; s.appendChild(el("option", null, "—")).value = "";
    options.forEach(function (o) { var opt = el("option", null, o[1]); opt.value = o[0]; s.appendChild(opt); });
    parent.appendChild(s); return s;
  }
  function locate() {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { resolve(null); return; }
      navigator.geolocation.getCurrentPosition(function (p) { resolve(p.coords); }, function () { resolve(null); },
        {enableHighAccuracy: true, timeout: 10000, maximumAge: 60000});
    });
  }
  async function startInspection(siteId, versionId, teamText, err, button) {
    var team = teamText.split(/[\n,，、]/).map(function (s) { return s.trim(); }).filter(Boolean);
    if (!siteId || !versionId) { err.textContent = T.need_site; return; }
    if (!team.length) { err.textContent = T.need_team; return; }
    button.disabled = true; err.textContent = T.locating;
    var coords = await locate();
    var site = data.sites.filter(function (s) { return String(s.id) === siteId; })[0];
    var list = data.checklists.filter(function (c) { return String(c.version_id) === versionId; })[0];
    var insp = {uuid: uuid4(), engagement: ENG, versionId: list.version_id, title: list.title, definition: list.definition,
      siteId: site.id, siteName: site.name, team: team, startedAt: new Date().toISOString(),
      lat: coords ? Number(coords.latitude.toFixed(6)) : null, lon: coords ? Number(coords.longitude.toFixed(6)) : null,
      accuracy: coords ? Math.round(coords.accuracy * 10) / 10 : null,
      entries: {}, photos: [], status: "in_progress", start: {state: "queued"}, finish: null};
    var body = {op: "start", client_uuid: insp.uuid, site_id: insp.siteId, instrument_version_id: insp.versionId,
      started_at: insp.startedAt, latitude: insp.lat, longitude: insp.lon, accuracy: insp.accuracy, team_members: team};
    await commit(insp, [{kind: "start", body: body}]);
    location.hash = "i=" + insp.uuid;
    flush();
  }

  function itemsOf(definition) {
    var out = [];
    definition.sections.forEach(function (s) { s.questions.forEach(function (q) { if (q.type !== "note") out.push(q); }); });
    return out;
  }
  function photosFor(insp, code) { return insp.photos.filter(function (p) { return p.purpose === "photo" && p.item === code && p.state !== "failed"; }); }
  function editable(insp, entry) { return canWrite && insp.status === "in_progress" && (!entry || !entry.state || entry.state === "draft" || entry.state === "failed"); }

  /* The bytes of photos still in the outbox, by photo UUID: shown as thumbnails, so the evaluator can check
     the picture before leaving the site, with or without a network. */
  var objectUrls = [];
  async function queuedPhotos(key) {
    var byUuid = {};
    (await outbox()).forEach(function (o) { if (o.kind === "photo" && o.inspection === key) byUuid[o.fields.client_uuid] = o.blob; });
    return byUuid;
  }
  function thumbnailOf(p, queued) {
    if (p.evidenceId) return D.recordUrl.replace(/inspections\/$/, "evidence/") + p.evidenceId + "/preview";
    if (!queued[p.uuid]) return null;
    var url = URL.createObjectURL(queued[p.uuid]); objectUrls.push(url); return url;
  }

  function renderInspection(insp, queued) {
    view.textContent = ""; pads = {};
    objectUrls.forEach(function (url) { URL.revokeObjectURL(url); }); objectUrls = [];
    var back = el("a", null, "← " + T.back); back.href = "#"; view.appendChild(back);
    var head = el("section", "card");
    head.appendChild(el("h2", null, insp.title));
    head.appendChild(el("p", "facts-inline", T.site + "：" + insp.siteName + " · " + T.started + "：" + localTime(insp.startedAt)));
    var gps = el("p", "facts-inline"); gps.dataset.testid = "gps";
    gps.textContent = T.gps + "：" + (insp.lat !== null ? insp.lat.toFixed(6) + ", " + insp.lon.toFixed(6) + " ±" + insp.accuracy + " m" : T.no_gps);
    head.appendChild(gps);
    head.appendChild(el("p", "facts-inline", insp.team.join("、")));
    if (insp.start && insp.start.state === "failed") head.appendChild(el("p", "err", fmt(T.item_failed, {x: insp.start.error})));
    if (insp.status === "finished") {
      head.appendChild(el("p", null, T.finished));
      if (insp.recordUrl) { var rec = el("a", "button", T.record); rec.href = insp.recordUrl; rec.dataset.testid = "record-link"; head.appendChild(rec); }
    }
    view.appendChild(head);
    insp.definition.sections.forEach(function (s) {
      var items = s.questions.filter(function (q) { return q.type !== "note"; });
      if (!items.length) return;
      view.appendChild(el("h2", null, s.title || ""));
      items.forEach(function (q) { view.appendChild(renderItem(insp, q, queued)); });
    });
    if (canWrite && insp.status !== "finished") view.appendChild(renderFinish(insp));
  }

  function renderItem(insp, q, queued) {
    var entry = insp.entries[q.code] || (insp.entries[q.code] = {state: "draft"});
    var open = editable(insp, entry), box = el("div", "item" + (open ? "" : " locked"));
    box.dataset.code = q.code;
    var title = el("h3", null, q.label);
    if (q.required) title.appendChild(el("span", "muted", " · " + T.required));
    var state = el("span", "state " + (entry.state || "draft"), T["state_" + (entry.state || "draft")]);
    title.appendChild(state); box.appendChild(title);
    if (q.hint) box.appendChild(el("p", "hint", q.hint));
    var results = el("div", "results"); results.setAttribute("role", "radiogroup"); results.setAttribute("aria-label", T.result);
    (q.choices || []).forEach(function (choice) {
      var code = choice.code, label = el("label"), input = el("input"); input.type = "radio"; input.name = "r-" + q.code; input.value = code;
      input.checked = entry.result === code; input.disabled = !open;
      input.addEventListener("change", function () { draft(insp.uuid, q.code, "result", code); });
      label.appendChild(input); label.appendChild(el("span", null, choice.label)); results.appendChild(label);
    });
    box.appendChild(results);
    if (q.measure) {
      var ml = el("label", null, (q.measure.label || T.value) + "（" + q.measure.unit + "）"); ml.htmlFor = "v-" + q.code; box.appendChild(ml);
      var row = el("div", "measure"), value = el("input"); value.type = "number"; value.step = "any"; value.min = "0"; value.inputMode = "decimal";
      value.id = "v-" + q.code; value.value = entry.value !== undefined && entry.value !== null ? entry.value : ""; value.disabled = !open;
      value.addEventListener("input", function () { draft(insp.uuid, q.code, "value", value.value.trim()); });
      row.appendChild(value); row.appendChild(el("span", null, q.measure.unit)); box.appendChild(row);
    }
    var nl = el("label", null, T.note); nl.htmlFor = "n-" + q.code; box.appendChild(nl);
    var note = el("textarea"); note.id = "n-" + q.code; note.rows = 2; note.value = entry.note || ""; note.disabled = !open;
    note.addEventListener("input", function () { draft(insp.uuid, q.code, "note", note.value); });
    box.appendChild(note);
    var have = photosFor(insp, q.code), need = q.photos_required || 0;
    var pl = el("p", "photo-chip", T.photos + " " + have.length + (need ? "（" + fmt(T.photos_need, {n: need}) + "）" : ""));
    box.appendChild(pl);
    var strip = el("div", "photos");
    insp.photos.filter(function (p) { return p.purpose === "photo" && p.item === q.code; }).forEach(function (p) {
      var src = thumbnailOf(p, queued);
      if (src) { var img = el("img"); img.alt = p.name; img.src = src; img.dataset.testid = "thumb-" + q.code; strip.appendChild(img); }
      strip.appendChild(el("span", "photo-chip", p.name + " · " + T["state_" + p.state] + (p.error ? " · " + p.error : "")));
    });
    box.appendChild(strip);
    if (canWrite && insp.status === "in_progress") {
      var pick = el("label", "button", T.take_photo); pick.htmlFor = "p-" + q.code;
      var file = el("input"); file.type = "file"; file.accept = "image/*"; file.setAttribute("capture", "environment"); file.multiple = true;
      file.id = "p-" + q.code; file.className = "visually-hidden"; file.dataset.testid = "photo-" + q.code;
      file.addEventListener("change", function () { addPhotos(insp.uuid, q.code, file.files); });
      box.appendChild(pick); box.appendChild(file);
    }
    var err = el("p", "err", entry.state === "failed" ? fmt(T.item_failed, {x: entry.error}) : ""); box.appendChild(err);
    var actions = el("div", "actions");
    if (open) {
      var save = el("button", "primary", T.save); save.type = "button"; save.dataset.testid = "save-" + q.code;
      save.addEventListener("click", function () { saveItem(insp.uuid, q, err); });
      actions.appendChild(save);
    } else if (canWrite && insp.status === "in_progress" && entry.state === "acked") {
      var edit = el("button", null, T.edit); edit.type = "button";
      edit.addEventListener("click", function () {
        modify(insp.uuid, function (fresh) { var e = fresh.entries[q.code]; if (e && e.state === "acked") { e.state = "draft"; e.uuid = null; } }).then(function () { render(true); });
      });
      actions.appendChild(edit);
    }
    box.appendChild(actions);
    return box;
  }
  /* A draft value is kept on the phone as it is typed (only while the item is editable). */
  function draft(key, code, field, value) {
    return modify(key, function (insp) {
      var e = insp.entries[code] || (insp.entries[code] = {state: "draft"});
      if (editable(insp, e)) e[field] = value;
    });
  }

  function checkEntry(q, entry) {
    if (!entry.result) return T.need_result;
    if ((entry.result === "fail" || entry.result === "partial") && !(entry.note || "").trim()) return T.need_note;
    if (entry.value !== undefined && entry.value !== null && entry.value !== "" && !/^\d+(\.\d+)?$/.test(String(entry.value))) return T.bad_value;
    return null;
  }
  async function saveItem(key, q, err) {
    var problem = null;
    await modify(key, function (insp) {
      var entry = insp.entries[q.code] || (insp.entries[q.code] = {state: "draft"});
      if (!editable(insp, entry)) return;
      problem = checkEntry(q, entry);
      if (problem) return;
      entry.uuid = uuid4(); entry.state = "queued"; entry.error = null; entry.recordedAt = new Date().toISOString();
      var hasValue = q.measure && entry.value !== undefined && entry.value !== null && entry.value !== "";
      var body = {op: "entry", inspection_uuid: key, client_uuid: entry.uuid, item_code: q.code, result: entry.result,
        measured_value: hasValue ? String(entry.value) : null, unit: hasValue ? q.measure.unit : null,
        note: (entry.note || "").trim() || null, recorded_at: entry.recordedAt};
      return {ops: [{kind: "entry", ref: q.code, body: body}]};
    });
    if (problem) { err.textContent = problem; return; }
    await render(true); flush();
  }
  async function addPhotos(key, code, files) {
    var prepared = [];
    for (var i = 0; i < files.length; i++) {  /* copy the bytes now: the picked file may vanish later */
      var f = files[i];
      prepared.push({blob: new Blob([await f.arrayBuffer()], {type: f.type || "application/octet-stream"}), name: f.name || "photo.jpg",
        taken: f.lastModified ? new Date(f.lastModified).toISOString() : ""});
    }
    await modify(key, function (insp) {
      return {ops: prepared.map(function (p) {
        var id = uuid4();
        insp.photos.push({uuid: id, item: code, purpose: "photo", name: p.name, state: "queued"});
        return {kind: "photo", blob: p.blob, filename: p.name, fields: {inspection_uuid: key, client_uuid: id,
          purpose: "photo", item_code: code, taken_at: p.taken}};
      })};
    });
    await render(true); flush();
  }

  function renderFinish(insp) {
    var card = el("section", "card"); card.appendChild(el("h2", null, T.finish));
    if (insp.status === "finishing") { card.appendChild(el("p", null, T.state_queued)); return card; }
    var f = insp.finish || {};
    if (f.state === "failed") card.appendChild(el("p", "err", fmt(T.item_failed, {x: f.error})));
    var rl = el("label", null, T.representative); rl.htmlFor = "f-rep"; card.appendChild(rl);
    var rep = el("input"); rep.type = "text"; rep.id = "f-rep"; rep.value = insp.draftRep || ""; card.appendChild(rep);
    rep.addEventListener("input", function () { modify(insp.uuid, function (fresh) { fresh.draftRep = rep.value; }); });
    [["team", T.team_sign], ["unit", T.unit_sign]].forEach(function (pair) {
      var l = el("label", null, pair[1]); l.htmlFor = "sig-" + pair[0]; card.appendChild(l);
      var canvas = el("canvas", "sigpad"); canvas.id = "sig-" + pair[0]; canvas.dataset.testid = "sig-" + pair[0];
      canvas.setAttribute("aria-label", pair[1]); card.appendChild(canvas);
      var clear = el("button", null, T.clear); clear.type = "button"; card.appendChild(clear);
      setTimeout(function () { pads[pair[0]] = new window.SignaturePad(canvas); clear.addEventListener("click", function () { pads[pair[0]].clear(); }); }, 0);
    });
    var refuseLabel = el("label"), refuse = el("input"); refuse.type = "checkbox"; refuse.id = "f-refused";
    refuseLabel.appendChild(refuse); refuseLabel.appendChild(el("span", null, " " + T.refused)); card.appendChild(refuseLabel);
    var reasonLabel = el("label", null, T.refusal_reason); reasonLabel.htmlFor = "f-reason"; card.appendChild(reasonLabel);
    var reason = el("textarea"); reason.id = "f-reason"; reason.rows = 2; card.appendChild(reason);
    var err = el("p", "err"); card.appendChild(err);
    var go = el("button", "primary", T.finish_button); go.type = "button"; go.dataset.testid = "finish"; card.appendChild(go);
    go.addEventListener("click", function () { finish(insp.uuid, rep.value.trim(), refuse.checked, reason.value.trim(), err); });
    return card;
  }
  async function finish(key, rep, refused, reason, err) {
    var insp = await getOne("inspections", key), missing = [], short = [];
    if (insp.status !== "in_progress") return;
    itemsOf(insp.definition).forEach(function (q) {
      var e = insp.entries[q.code];
      var saved = e && e.state && e.state !== "draft" && e.state !== "failed";
      if (q.required && !saved) missing.push(q.label);
      if (saved && e.result !== "na" && photosFor(insp, q.code).length < (q.photos_required || 0)) short.push(q.label);
    });
    var problems = [];
    if (missing.length) problems.push(fmt(T.need_item, {x: missing.join("、")}));
    if (short.length) problems.push(fmt(T.need_photos, {x: short.join("、")}));
    if (!rep) problems.push(T.need_rep);
    if (!pads.team || pads.team.empty) problems.push(T.need_team_sign);
    if (refused ? !reason : (!pads.unit || pads.unit.empty)) problems.push(T.need_unit_sign);
    if (problems.length) { err.textContent = problems.join("；"); return; }
    var teamId = uuid4(), unitId = refused ? null : uuid4();
    var teamBlob = await pads.team.toBlob(), unitBlob = refused ? null : await pads.unit.toBlob();
    await modify(key, function (fresh) {
      var ops = [];
      function sigOp(id, purpose, blob) {
        fresh.photos.push({uuid: id, item: null, purpose: purpose, name: purpose + ".png", state: "queued"});
        ops.push({kind: "photo", blob: blob, filename: purpose + ".png", fields: {inspection_uuid: key, client_uuid: id, purpose: purpose}});
      }
      sigOp(teamId, "team_signature", teamBlob);
      if (!refused) sigOp(unitId, "unit_signature", unitBlob);
      fresh.finish = {uuid: uuid4(), state: "queued"}; fresh.status = "finishing"; fresh.draftRep = rep;
      ops.push({kind: "finish", body: {op: "finish", inspection_uuid: key, client_uuid: fresh.finish.uuid,
        finished_at: new Date().toISOString(), unit_representative: rep, team_signature_uuid: teamId,
        unit_signature_uuid: unitId, refusal_reason: refused ? reason : null}});
      return {ops: ops};
    });
    await render(true); flush();
  }

  /* ---- boot ---- */
  async function boot() {
    if ("serviceWorker" in navigator) navigator.serviceWorker.register(D.swUrl, {scope: D.scope}).catch(function () {});
    try {
      var r = await fetch(D.dataUrl, {credentials: "same-origin", headers: {Accept: "application/json"}});
      if (r.ok && (r.headers.get("Content-Type") || "").indexOf("json") >= 0) data = await r.json();
    } catch (e) { data = null; }
    root.dataset.ready = "yes";
    await render();
    flush();
  }
  window.addEventListener("hashchange", function () { render(true); });
  window.addEventListener("online", function () { attempts = 0; flush(); });
  window.addEventListener("offline", showStatus);
  boot();
})();
