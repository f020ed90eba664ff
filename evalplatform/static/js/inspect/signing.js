/* Finishing an inspection: the unit's representative, both signatures (or the unit's refusal, with a reason),
   checked on the phone as the server will check them, then queued as two photos and the finish. */
import {T, hooks, state} from "./context.js";
import {itemsOf, photosFor} from "./items.js";
import {SignaturePad} from "./pad.js";
import {flush, getOne, modify} from "./queue.js";
import {el, fmt, uuid4} from "./util.js";

export function renderFinish(insp) {
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
    setTimeout(function () { state.pads[pair[0]] = new SignaturePad(canvas); clear.addEventListener("click", function () { state.pads[pair[0]].clear(); }); }, 0);
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

function problemsOf(insp, rep, refused, reason) {
  var pads = state.pads, missing = [], short = [];
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
  return problems;
}

async function finish(key, rep, refused, reason, err) {
  var insp = await getOne("inspections", key), pads = state.pads;
  if (insp.status !== "in_progress") return;
  var problems = problemsOf(insp, rep, refused, reason);
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
  await hooks.render(true); flush();
}
