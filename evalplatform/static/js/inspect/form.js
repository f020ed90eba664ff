/* The screens: the home list (start an inspection, the ones on this phone) and an inspection's form, item by
   item. A draft value is kept on the phone as it is typed; saving an item queues it. */
import {ENG, T, canWrite, state, view} from "./context.js";
import {addPhotos, locate, queuedPhotos, releaseThumbnails, thumbnailOf} from "./camera.js";
import {editable, photosFor} from "./items.js";
import {commit, flush, getAll, getOne, modify, showStatus} from "./queue.js";
import {renderFinish} from "./signing.js";
import {el, fmt, localTime, uuid4} from "./util.js";

function currentUuid() { var m = /^#i=([0-9a-f-]{36})$/.exec(location.hash); return m ? m[1] : null; }
/* A background render (the queue moved on) does not rebuild the form under the user's fingers. */
export async function render(userAction) {
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
  var data = state.data;
  view.textContent = "";
  if (!data) { view.appendChild(el("p", "err", T.no_data)); return; }
  if (canWrite) view.appendChild(newInspectionCard(data));
  else view.appendChild(el("p", "muted", T.read_only));
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
function newInspectionCard(data) {
  var card = el("section", "card"); card.appendChild(el("h2", null, T["new"]));
  var site = selectOf("new-site", T.site, data.sites.map(function (s) { return [s.id, s.name]; }), card);
  var list = selectOf("new-checklist", T.checklist, data.checklists.map(function (c) { return [c.version_id, c.title]; }), card);
  var teamLabel = el("label", null, T.team); teamLabel.htmlFor = "new-team"; card.appendChild(teamLabel);
  var team = el("textarea"); team.id = "new-team"; team.rows = 2; team.value = data.user || ""; card.appendChild(team);
  var err = el("p", "err"); card.appendChild(err);
  var go = el("button", "primary", T.start); go.type = "button"; go.dataset.testid = "start-inspection"; card.appendChild(go);
  go.addEventListener("click", function () { startInspection(site.value, list.value, team.value, err, go); });
  return card;
}
function selectOf(id, label, options, parent) {
  var l = el("label", null, label); l.htmlFor = id; parent.appendChild(l);
  var s = el("select"); s.id = id; s.appendChild(el("option", null, "—")).value = "";
  options.forEach(function (o) { var opt = el("option", null, o[1]); opt.value = o[0]; s.appendChild(opt); });
  parent.appendChild(s); return s;
}
async function startInspection(siteId, versionId, teamText, err, button) {
  var team = teamText.split(/[\n,，、]/).map(function (s) { return s.trim(); }).filter(Boolean);
  if (!siteId || !versionId) { err.textContent = T.need_site; return; }
  if (!team.length) { err.textContent = T.need_team; return; }
  button.disabled = true; err.textContent = T.locating;
  var coords = await locate();
  var site = state.data.sites.filter(function (s) { return String(s.id) === siteId; })[0];
  var list = state.data.checklists.filter(function (c) { return String(c.version_id) === versionId; })[0];
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

function renderInspection(insp, queued) {
  view.textContent = ""; state.pads = {};
  releaseThumbnails();
  var back = el("a", null, "← " + T.back); back.href = "#"; view.appendChild(back);
  view.appendChild(headOf(insp));
  insp.definition.sections.forEach(function (s) {
    var items = s.questions.filter(function (q) { return q.type !== "note"; });
    if (!items.length) return;
    view.appendChild(el("h2", null, s.title || ""));
    items.forEach(function (q) { view.appendChild(renderItem(insp, q, queued)); });
  });
  if (canWrite && insp.status !== "finished") view.appendChild(renderFinish(insp));
}
function headOf(insp) {
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
  return head;
}

function renderItem(insp, q, queued) {
  var entry = insp.entries[q.code] || (insp.entries[q.code] = {state: "draft"});
  var open = editable(insp, entry), box = el("div", "item" + (open ? "" : " locked"));
  box.dataset.code = q.code;
  var title = el("h3", null, q.label);
  if (q.required) title.appendChild(el("span", "muted", " · " + T.required));
  var stateBadge = el("span", "state " + (entry.state || "draft"), T["state_" + (entry.state || "draft")]);
  title.appendChild(stateBadge); box.appendChild(title);
  if (q.hint) box.appendChild(el("p", "hint", q.hint));
  box.appendChild(resultsOf(insp, q, entry, open));
  if (q.measure) measureOf(insp, q, entry, open, box);
  var nl = el("label", null, T.note); nl.htmlFor = "n-" + q.code; box.appendChild(nl);
  var note = el("textarea"); note.id = "n-" + q.code; note.rows = 2; note.value = entry.note || ""; note.disabled = !open;
  note.addEventListener("input", function () { draft(insp.uuid, q.code, "note", note.value); });
  box.appendChild(note);
  photosOf(insp, q, queued, box);
  var err = el("p", "err", entry.state === "failed" ? fmt(T.item_failed, {x: entry.error}) : ""); box.appendChild(err);
  box.appendChild(actionsOf(insp, q, entry, open, err));
  return box;
}
function resultsOf(insp, q, entry, open) {
  var results = el("div", "results"); results.setAttribute("role", "radiogroup"); results.setAttribute("aria-label", T.result);
  (q.choices || []).forEach(function (choice) {
    var code = choice.code, label = el("label"), input = el("input"); input.type = "radio"; input.name = "r-" + q.code; input.value = code;
    input.checked = entry.result === code; input.disabled = !open;
    input.addEventListener("change", function () { draft(insp.uuid, q.code, "result", code); });
    label.appendChild(input); label.appendChild(el("span", null, choice.label)); results.appendChild(label);
  });
  return results;
}
function measureOf(insp, q, entry, open, box) {
  var ml = el("label", null, (q.measure.label || T.value) + "（" + q.measure.unit + "）"); ml.htmlFor = "v-" + q.code; box.appendChild(ml);
  var row = el("div", "measure"), value = el("input"); value.type = "number"; value.step = "any"; value.min = "0"; value.inputMode = "decimal";
  value.id = "v-" + q.code; value.value = entry.value !== undefined && entry.value !== null ? entry.value : ""; value.disabled = !open;
  value.addEventListener("input", function () { draft(insp.uuid, q.code, "value", value.value.trim()); });
  row.appendChild(value); row.appendChild(el("span", null, q.measure.unit)); box.appendChild(row);
}
function photosOf(insp, q, queued, box) {
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
}
function actionsOf(insp, q, entry, open, err) {
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
  return actions;
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
