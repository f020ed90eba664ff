/* Camera and GPS: where the phone is when an inspection starts, photos taken for an item (queued with their
   bytes), and thumbnails of photos still in the outbox, so the evaluator can check the picture before
   leaving the site, with or without a network. */
import {D, hooks} from "./context.js";
import {flush, modify, outbox} from "./queue.js";
import {uuid4} from "./util.js";

export function locate() {
  return new Promise(function (resolve) {
    if (!navigator.geolocation) { resolve(null); return; }
    navigator.geolocation.getCurrentPosition(function (p) { resolve(p.coords); }, function () { resolve(null); },
      {enableHighAccuracy: true, timeout: 10000, maximumAge: 60000});
  });
}

/* The bytes of photos still in the outbox, by photo UUID. */
var objectUrls = [];
export async function queuedPhotos(key) {
  var byUuid = {};
  (await outbox()).forEach(function (o) { if (o.kind === "photo" && o.inspection === key) byUuid[o.fields.client_uuid] = o.blob; });
  return byUuid;
}
export function thumbnailOf(p, queued) {
  if (p.evidenceId) return D.recordUrl.replace(/inspections\/$/, "evidence/") + p.evidenceId + "/preview";
  if (!queued[p.uuid]) return null;
  var url = URL.createObjectURL(queued[p.uuid]); objectUrls.push(url); return url;
}
export function releaseThumbnails() { objectUrls.forEach(function (url) { URL.revokeObjectURL(url); }); objectUrls = []; }

export async function addPhotos(key, code, files) {
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
  await hooks.render(true); flush();
}
