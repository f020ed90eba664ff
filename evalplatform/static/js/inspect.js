/* Offline-first inspection app (ES modules under js/inspect/, no build step). Everything the evaluator does is
   written to IndexedDB first (queue.js) and sent when the network allows; the screens are form.js, the
   camera and GPS camera.js, signing and finishing signing.js. This module boots the app. */
import {D, hooks, root, state} from "./inspect/context.js";
import {render} from "./inspect/form.js";
import {flush, online, showStatus} from "./inspect/queue.js";

async function boot() {
  if ("serviceWorker" in navigator) navigator.serviceWorker.register(D.swUrl, {scope: D.scope}).catch(function () {});
  try {
    var r = await fetch(D.dataUrl, {credentials: "same-origin", headers: {Accept: "application/json"}});
    if (r.ok && (r.headers.get("Content-Type") || "").indexOf("json") >= 0) state.data = await r.json();
  } catch (e) { state.data = null; }
  root.dataset.ready = "yes";
  await render();
  flush();
}

if (root) {
  hooks.render = render;
  window.addEventListener("hashchange", function () { render(true); });
  window.addEventListener("online", online);
  window.addEventListener("offline", showStatus);
  boot();
}
