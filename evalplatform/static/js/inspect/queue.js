/* The queue: the inspection documents and an outbox of operations in IndexedDB, each operation with its own
   client UUID. The outbox is sent in order when the network allows, with backoff; the server answers a
   repeated UUID as the first time, so a retry never duplicates. */
import {D, ENG, T, canWrite, hooks, statusBox} from "./context.js";
import {fmt} from "./util.js";

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
export async function getAll(store) { var d = await db(); return request(d.transaction(store).objectStore(store).getAll()); }
export async function getOne(store, key) { var d = await db(); return request(d.transaction(store).objectStore(store).get(key)); }
/* The inspection document and its new operations are written together or not at all. */
export async function commit(insp, ops, removeSeq) {
  var d = await db(), t = d.transaction(["inspections", "outbox"], "readwrite");
  if (insp) t.objectStore("inspections").put(insp);
  (ops || []).forEach(function (op) { op.engagement = ENG; op.inspection = op.inspection || insp.uuid; t.objectStore("outbox").add(op); });
  if (removeSeq !== undefined) t.objectStore("outbox").delete(removeSeq);
  return finished(t);
}
/* Every read-modify-write of an inspection runs one at a time, on a fresh copy from the database, so an
   acknowledgement arriving while the evaluator types is never overwritten by a stale copy. */
var lock = Promise.resolve();
export function modify(key, change) {
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
export async function outbox() { return (await getAll("outbox")).filter(function (o) { return o.engagement === ENG; }); }

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
export async function flush() {
  if (flushing || !canWrite) return;
  flushing = true; clearTimeout(retryTimer); lastProblem = null;
  try {
    var items = await outbox();
    if (items.length) {
      var token = await freshToken();
      for (var i = 0; i < items.length; i++) {
        var item = items[i];
        await mark(item, "sending"); await hooks.render();
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
  await hooks.render();
}
/* Back online: try at once, without waiting out the backoff. */
export function online() { attempts = 0; flush(); }

export async function showStatus() {
  var n = (await outbox()).length;
  if (!n) { statusBox.textContent = T.all_sent; statusBox.className = "queue"; return; }
  var text = fmt(T.pending, {n: n});
  if (lastProblem === "login") text += " · " + T.login;
  else if (!navigator.onLine || lastProblem) text += " · " + (retryIn ? fmt(T.retry, {s: retryIn}) : T.offline);
  else if (flushing) text += " · " + T.sending;
  statusBox.textContent = text; statusBox.className = "queue pending";
}
