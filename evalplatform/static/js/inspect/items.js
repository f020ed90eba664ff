/* Reading an inspection document: its checklist items, the photos of an item, whether an entry is editable. */
import {canWrite} from "./context.js";

export function itemsOf(definition) {
  var out = [];
  definition.sections.forEach(function (s) { s.questions.forEach(function (q) { if (q.type !== "note") out.push(q); }); });
  return out;
}
export function photosFor(insp, code) { return insp.photos.filter(function (p) { return p.purpose === "photo" && p.item === code && p.state !== "failed"; }); }
/* A saved item is read-only until the server has acknowledged it (or refused it). */
export function editable(insp, entry) { return canWrite && insp.status === "in_progress" && (!entry || !entry.state || entry.state === "draft" || entry.state === "failed"); }
