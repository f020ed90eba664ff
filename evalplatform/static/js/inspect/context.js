/* The page the app runs in: its settings (data attributes), its texts, and what the modules share. Modules
   are deferred, so the page is parsed when this runs. */
export var root = document.getElementById("inspect-app");
export var T = root ? JSON.parse(document.getElementById("inspect-text").textContent) : {};
export var D = root ? root.dataset : {};
export var ENG = Number(D.engagement), canWrite = !!D.canWrite;
export var view = document.getElementById("inspect-view"), statusBox = document.getElementById("queue-status");
/* data: the sites and checklists (app.json); pads: the signature pads on screen. */
export var state = {data: null, pads: {}};
/* Set by inspect.js: the queue and the signing screen redraw through this, not by importing the form. */
export var hooks = {render: async function () {}};
